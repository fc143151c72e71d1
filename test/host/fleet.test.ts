// medic diagnose / check / incidents --all-hosts against real OpenSSH servers on 127.0.0.1 (one per host,
// each with its own host key and a login that starts in the host's own directory), through the system's
// ssh client pointed at a scratch ssh_config and known_hosts: each host's own answer merged, a stopped
// sshd that host's error, an unknown host key refused and never added.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Store } from '../../src/store/store.ts';
import { SshdFleet, sshdMissing } from './fleet-sshd.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const CHECKOUT = join(ROOT, 'bin', 'medic.js');
const PUBLIC = join(ROOT, 'test/fixtures/public');
/** Each host's app log: a refused database password, an OOM kill, a Gunicorn that started and serves. */
const LOGS: Record<string, string> = {
  web1: join(PUBLIC, 'db_auth_failed/postgres-role-missing-after-reinit.log'),
  web2: join(PUBLIC, 'oom_killed/dokku-gunicorn-oom-kill-syslog.log'),
};
const STARTED = `[2024-05-02 10:00:00 +0000] [811] [INFO] Starting gunicorn 22.0.0
[2024-05-02 10:00:00 +0000] [811] [INFO] Listening at: http://127.0.0.1:8000 (811)
[2024-05-02 10:00:00 +0000] [812] [INFO] Booting worker with pid: 812
`;

let fleet: SshdFleet;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - started }));
  });
}
/** medic here, with the inventory of this fleet (its medic.yaml) and ssh pointed at its configuration. */
const medic = (...args: string[]) => run(process.execPath, [CHECKOUT, ...args], fleet.dir, fleet.env);
/** medic run on the host's own directory directly, without ssh: what the host itself answers. */
const local = (host: string, ...args: string[]) =>
  run(process.execPath, [CHECKOUT, ...args], fleet.host(host).dir, { ...process.env, NO_COLOR: '1' });

before(async () => {
  if (sshdMissing) return;
  fleet = await SshdFleet.start(['web1', 'web2', 'web3', 'stranger'], { unknownKey: ['stranger'], cd: true });
  for (const name of ['web1', 'web2']) copyFileSync(LOGS[name]!, join(fleet.host(name).dir, 'app.log'));
  writeFileSync(join(fleet.host('web3').dir, 'app.log'), STARTED);
  // web1 has an incident open, web2's is resolved, web3 has none
  for (const [name, state] of [
    ['web1', 'open'],
    ['web2', 'resolved'],
    ['web3', null],
  ] as const) {
    const store = Store.open(join(fleet.host(name).dir, 'medic.db'), { create: true });
    if (state) {
      const i = store.openIncident({
        service: 'flaskapp',
        unit: 'flaskapp.service',
        trigger: 'crash',
        summary: `flaskapp crashed on ${name}`,
        startedAt: '2026-11-22T00:00:00.000Z',
        detectedAt: '2026-11-22T00:00:00.100Z',
      });
      if (state === 'resolved')
        store.update(i.id, { state: 'resolved', resolvedAt: '2026-11-22T00:05:00.000Z' });
    }
    store.close();
  }
  // the inventory: web3 first, so that worst first reorders; medic there is the checkout's
  const medicThere = `${process.execPath} ${CHECKOUT}`;
  writeFileSync(
    join(fleet.dir, 'medic.yaml'),
    `version: 1
hosts:
${['web3', 'web1', 'web2']
  .map(
    (n) =>
      `  - name: ${n}\n    ssh: ${n}\n    labels: [web${n === 'web3' ? ', eu' : ''}]\n    medic: ${medicThere}`,
  )
  .join('\n')}
`,
  );
});
after(async () => fleet?.close());

const skip = sshdMissing ?? false;

test(
  'diagnose --all-hosts: one envelope, each host its own answer, as medic there gives it',
  { skip },
  async () => {
    const r = await medic('--format', 'json', 'diagnose', '--log', 'app.log', '--all-hosts');
    assert.equal(r.code, 1, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.command, 'diagnose');
    assert.deepEqual(
      doc.hosts.map((h: { name: string; status: string }) => [h.name, h.status]),
      [
        ['web3', 'ok'],
        ['web1', 'problems'],
        ['web2', 'problems'],
      ],
    );
    for (const h of doc.hosts) {
      const own = await local(h.name, '--format', 'json', 'diagnose', '--log', 'app.log');
      assert.equal(h.exitCode, own.code, h.name);
      assert.deepEqual(h.result, JSON.parse(own.stdout), h.name);
    }
    assert.equal(doc.hosts[1].result.services[0].cause.id, 'db_auth_failed');
    assert.equal(doc.hosts[2].result.services[0].cause.id, 'oom_killed');
    assert.equal(doc.hosts[0].result.services[0].cause, null);
  },
);

test(
  'diagnose --all-hosts in text: worst first, each host its own text indented under its name',
  { skip },
  async () => {
    const r = await medic('diagnose', '--log', 'app.log', '--all-hosts');
    assert.equal(r.code, 1, r.stderr);
    const blocks = r.stdout.trimEnd().split('\n\n');
    const heads = r.stdout.split('\n').filter((l) => /^\S/.test(l));
    assert.match(heads[0] ?? '', /^web1 {2}problems found {2}\d+\.\d s$/);
    assert.match(heads[1] ?? '', /^web2 {2}problems found /);
    assert.match(heads[2] ?? '', /^web3 {2}ok /);
    assert.equal(blocks.at(-1), '3 hosts: 2 problems found (web1, web2), 1 ok (web3)');
    const own = await local('web1', 'diagnose', '--log', 'app.log');
    const indented = own.stdout
      .trimEnd()
      .split('\n')
      .map((l) => (l ? `  ${l}` : l))
      .join('\n');
    assert.ok(r.stdout.includes(`${heads[0]}\n${indented}\n\nweb2  `), r.stdout);
  },
);

test('--hosts by label and by name; check and incidents merged the same way', { skip }, async () => {
  const eu = JSON.parse(
    (await medic('--format', 'json', 'diagnose', '--log', 'app.log', '--hosts', 'eu')).stdout,
  );
  assert.deepEqual(
    eu.hosts.map((h: { name: string }) => h.name),
    ['web3'],
  );
  const incidents = await medic('--format', 'json', 'incidents', '--store', 'medic.db', '--all-hosts');
  assert.equal(incidents.code, 1, incidents.stderr);
  const byHost = Object.fromEntries(
    JSON.parse(incidents.stdout).hosts.map(
      (h: { name: string; result: { incidents: { state: string }[] } }) => [
        h.name,
        h.result.incidents.map((i) => i.state),
      ],
    ),
  );
  assert.deepEqual(byHost, { web3: [], web1: ['open'], web2: ['resolved'] });
  // check: whatever each host's medic answers (here, without systemd, its one-line error), merged as it is
  const checked = await medic('--format', 'json', 'check', '--all-hosts');
  const doc = JSON.parse(checked.stdout);
  // every host here is this machine with no medic.yaml in its directory: one answer for all three
  const own = await local('web1', '--format', 'json', 'check');
  for (const h of doc.hosts) {
    assert.equal(h.exitCode, own.code, h.name);
    if (own.code === 2) assert.equal(h.error.message, own.stderr.trim().split('\n')[0]);
    else assert.equal(h.result.services.length, JSON.parse(own.stdout).services.length);
  }
  assert.equal(checked.code, Math.max(...doc.hosts.map((h: { exitCode: number }) => h.exitCode)));
});

test("a stopped sshd is that host's error; the others still answer", { skip }, async () => {
  await fleet.stopHost('web1');
  try {
    const r = await medic('diagnose', '--log', 'app.log', '--all-hosts');
    assert.equal(r.code, 2);
    const lines = r.stdout.split('\n');
    assert.match(lines[0] ?? '', /^web1 {2}unreachable {2}/);
    assert.equal(
      lines[1],
      `  ssh: connect to host 127.0.0.1 port ${fleet.host('web1').port}: Connection refused`,
    );
    assert.match(lines[2] ?? '', /^ {2}fix: ssh -v web1 true/);
    assert.match(r.stdout, /\nweb2 {2}problems found .*\n {2}✗ the app is degraded: oom_killed/);
    assert.match(r.stdout, /\n3 hosts: 1 unreachable \(web1\), 1 problems found \(web2\), 1 ok \(web3\)\n$/);
    assert.equal(r.stderr, '');
  } finally {
    await fleet.startHost('web1');
  }
});

test(
  'an unknown host key is refused, even when MEDIC_SSH_COMMAND says to accept it, and never added',
  { skip },
  async () => {
    const before = readFileSync(fleet.knownHosts, 'utf8');
    const port = fleet.host('stranger').port;
    for (const accept of ['', '-o StrictHostKeyChecking=no', '-o StrictHostKeyChecking=accept-new']) {
      const env = { ...fleet.env, MEDIC_SSH_COMMAND: `ssh -F ${fleet.sshConfig} ${accept}` };
      const r = await run(
        process.execPath,
        [CHECKOUT, '--format', 'json', 'diagnose', '--log', 'app.log', '--hosts', 'stranger,web3'],
        fleet.dir,
        env,
      );
      assert.equal(r.code, 2, accept);
      const [stranger, web3] = JSON.parse(r.stdout).hosts;
      assert.equal(stranger.error.kind, 'host_key_unknown', accept);
      assert.equal(
        stranger.error.message,
        `ssh: no host key known for [127.0.0.1]:${port}, and medic never accepts one blindly`,
      );
      assert.match(
        stranger.error.fix,
        new RegExp(`ssh-keyscan -p ${port} 127\\.0\\.0\\.1 >> ~/\\.ssh/known_hosts`),
      );
      assert.equal(web3.status, 'ok');
    }
    assert.equal(readFileSync(fleet.knownHosts, 'utf8'), before);
  },
);

test(
  'deploy --all-hosts: one host at a time; the first that fails stops the rollout, each host says its release',
  { skip },
  async () => {
    // no host here has a deployment medic can act on: the first one's own gated deploy fails
    const r = await medic('deploy', '/srv/build', '--all-hosts');
    assert.notEqual(r.code, 0);
    const blocks = r.stdout.trimEnd().split('\n\n');
    assert.match(blocks[0] ?? '', /^web3 {2}(?:deploy failed|medic failed) {2}\d+\.\d s\n/);
    assert.match(blocks[0] ?? '', /\n {2}live release: .+$/);
    for (const [i, name] of [
      [1, 'web1'],
      [2, 'web2'],
    ] as const)
      assert.match(
        blocks[i] ?? '',
        new RegExp(
          `^${name} {2}not started\n {2}left on its release: the rollout stopped at web3\n {2}live release: `,
        ),
      );
    assert.match(r.stderr, /^web3 {2}deploying \(deploy \/srv\/build\)$/m);
    assert.doesNotMatch(r.stderr, /^web[12] {2}deploying/m);

    const wide = await medic('--format', 'json', 'deploy', '/srv/build', '--all-hosts', '--parallel', '2');
    assert.deepEqual(
      JSON.parse(wide.stdout).hosts.map((h: { name: string; started: boolean }) => [h.name, h.started]),
      [
        ['web3', true],
        ['web1', true],
        ['web2', false],
      ],
    );
  },
);

test('bad input: one line, exit 2, before any host is asked', { skip }, async () => {
  for (const [args, message] of [
    [['diagnose', '--log', '-', '--all-hosts'], /^medic: --log - reads the standard input here/],
    [['check', '--hosts', 'web1', '--all-hosts'], /^medic: give --hosts or --all-hosts, not both$/],
    [
      ['--format', 'junit', 'check', '--all-hosts'],
      /^medic: --format junit with --hosts: medic prints text, json or markdown$/,
    ],
  ] as const) {
    const r = await medic(...args);
    assert.equal(r.code, 2);
    assert.match(r.stderr.trimEnd(), message);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.equal(r.stdout, '');
  }
});

test(
  'the hosts are asked at once: three hosts that each take 4 s more answer in less than 12 s',
  { skip },
  async () => {
    // a slow link or a busy host, simulated on the host's side of a real ssh session
    writeFileSync(
      join(fleet.dir, 'slow.yaml'),
      `version: 1\nhosts:\n${['web1', 'web2', 'web3'].map((n) => `  - name: ${n}\n    ssh: ${n}\n    medic: sleep 4; echo`).join('\n')}\n`,
    );
    const three = await medic('check', '-c', 'slow.yaml', '--all-hosts');
    assert.equal(three.code, 0, three.stdout);
    assert.match(three.stdout, /^web1 {2}ok {2}\d+\.\d s\n {2}--no-color --format text check\n\nweb2 {2}ok /);
    // one after another, the three sleeps alone take 12 s
    assert.ok(three.ms < 12_000, `${Math.round(three.ms)} ms for three hosts of 4 s each`);
    // the figures, on this machine's shared cores: every host here is the same two cores
    const one = await medic('diagnose', '--log', 'app.log', '--hosts', 'web1');
    const all = await medic('diagnose', '--log', 'app.log', '--all-hosts');
    console.log(
      `# three hosts of 4 s: ${Math.round(three.ms)} ms; diagnose --log: one host ${Math.round(one.ms)} ms, three ${Math.round(all.ms)} ms (${(all.ms / one.ms).toFixed(2)}×)`,
    );
  },
);
