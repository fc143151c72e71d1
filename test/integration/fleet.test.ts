// medic on three real servers (scripts/testbed hosts: web1, web2, web3, each a full box with systemd, Nginx,
// the apps and their databases, and sshd, on a private network), asked from this machine through the system's
// ssh with the testbed's ssh_config and known_hosts: fleet install of dist/medic; a scenario on one host found
// by diagnose --all-hosts on that host only; one host's sshd stopped is that host's error beside the others'
// results; a rolling deploy under load with no failed request, a bad release stopped on the first host, and a
// rolling rollback.
// The three hosts boot once for the file.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BINARY, builtIsCurrent, sha256Of } from '../../scripts/build.ts';
import { checkout, mustPass, type Run, testbed, until } from './box.ts';
import { fleetEnv, HOST_NAMES, HOST_YAML, SSH_CONFIG, writeFleetFiles } from './fleet-hosts.ts';

const NAMES = HOST_NAMES;
const ADDRESS: Record<string, string> = { web1: '10.77.0.11', web2: '10.77.0.12', web3: '10.77.0.13' };
const { version } = JSON.parse(readFileSync(`${checkout}package.json`, 'utf8')) as { version: string };

/** One host's part of a fleet command's JSON envelope. */
interface HostAnswer<T> {
  name: string;
  status: 'ok' | 'problems' | 'error';
  exitCode: number;
  result: T | null;
  error: { kind: string; message: string; fix?: string } | null;
  /** deploy --hosts: did the rollout reach the host, and the release live there after it */
  started?: boolean;
  live?: string | null;
}

interface Diagnosis {
  status: string;
  cause: { id: string } | null;
  firstFatal: { line: string } | null;
  target: unknown;
}

let dir: string;
/** This file's own copy of dist/medic: a build meanwhile cannot change it under the test. */
let binary: string;

/** medic of this checkout, on this machine, with the inventory of the three hosts. */
function medic(...args: string[]): Run {
  const r = spawnSync(process.execPath, [`${checkout}bin/medic.js`, ...args], {
    cwd: dir,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 300_000,
    env: fleetEnv(),
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** `medic --format json ARGS`, the hosts' answers by name. */
function medicJson<T>(...args: string[]): {
  code: number;
  hosts: Record<string, HostAnswer<T>>;
  order: string[];
} {
  const r = medic('--format', 'json', ...args);
  let doc: { hosts: HostAnswer<T>[] };
  try {
    doc = JSON.parse(r.stdout) as { hosts: HostAnswer<T>[] };
  } catch {
    throw new Error(`medic ${args.join(' ')} printed no JSON (${r.code}): ${r.stdout}${r.stderr}`);
  }
  return {
    code: r.code,
    hosts: Object.fromEntries(doc.hosts.map((h) => [h.name, h])),
    order: doc.hosts.map((h) => h.name),
  };
}

/** A command inside host NAME, as its root at the console would run it. */
function onHost(name: string, ...cmd: string[]): Run {
  return testbed('hosts', 'exec', name, '--', ...cmd);
}

/** What a plain `ssh web2 CMD` with the testbed's ssh_config answers. */
function ssh(name: string, cmd: string): Run {
  const r = spawnSync('ssh', ['-F', SSH_CONFIG, name, cmd], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Does this checkout's medic have COMMAND (e.g. "fleet install"), and does its help name TEXT? */
function hasCommand(command: string, text = ''): boolean {
  const r = spawnSync(process.execPath, [`${checkout}bin/medic.js`, ...command.split(' '), '--help'], {
    encoding: 'utf8',
  });
  return r.status === 0 && r.stdout.includes(text);
}

const fleetInstall = hasCommand('fleet install', '--medic-yaml');
const rollingDeploy = hasCommand('deploy', '--hosts');
const needsInstall = fleetInstall ? false : 'medic fleet install is not in this checkout yet';
const needsRolling = !fleetInstall
  ? needsInstall
  : rollingDeploy
    ? false
    : 'medic deploy --hosts is not in this checkout yet';

before(() => {
  // three clean servers: booted now, whatever an earlier run left on them
  mustPass(testbed('hosts', 'reset'), 'scripts/testbed hosts reset');
  if (!builtIsCurrent()) {
    const built = spawnSync('npm', ['run', 'build'], { cwd: checkout, encoding: 'utf8', timeout: 300_000 });
    assert.equal(built.status, 0, `npm run build failed:\n${built.stdout}\n${built.stderr}`);
  }
  dir = mkdtempSync(join(tmpdir(), 'medic-fleet-'));
  binary = join(dir, 'medic');
  writeFileSync(binary, readFileSync(BINARY), { mode: 0o755 });
  writeFileSync(`${binary}.sha256`, `${sha256Of(binary)}  medic\n`);
  writeFleetFiles(dir);
});

after(() => {
  stopLoad();
  if (dir) rmSync(dir, { recursive: true, force: true });
  testbed('hosts', 'down');
});

test('the three hosts are servers of their own, reached by ssh with their own host keys', () => {
  for (const name of NAMES) {
    const r = ssh(name, 'hostname; systemctl is-system-running; ip -4 -br addr show host0');
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    const [hostname, state, addr] = r.stdout.trim().split('\n');
    assert.equal(hostname, name);
    assert.equal(state, 'running');
    assert.match(addr ?? '', new RegExp(`\\b${ADDRESS[name]?.replaceAll('.', '\\.')}/24\\b`));
  }
  // each host its own key: known_hosts holds three different ones
  const keys = readFileSync('/run/medic-testbed/hosts/known_hosts', 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(' ')[2]);
  assert.equal(new Set(keys).size, 3);
  // and no medic there until fleet install puts it
  assert.match(ssh('web1', 'command -v medic || echo none').stdout, /^none$/m);
});

test(
  'fleet install: dist/medic on every host, checked there, the watch running; again: nothing to do',
  { todo: needsInstall },
  () => {
    const sha256 = sha256Of(binary);
    const first = medicJson<{ changed: boolean; sha256: string; version: string }>(
      'fleet',
      'install',
      '--all-hosts',
      '--binary',
      binary,
      '--medic-yaml',
      'web.yaml',
    );
    assert.equal(first.code, 0, JSON.stringify(first.hosts, null, 1));
    for (const name of NAMES) {
      const h = first.hosts[name];
      assert.equal(h?.status, 'ok', `${name}: ${JSON.stringify(h?.error)}`);
      assert.equal(h?.result?.changed, true, name);
      // what is on the host, asked on the host itself
      assert.equal(onHost(name, 'sha256sum', '/usr/local/bin/medic').stdout.split(' ')[0], sha256);
      assert.equal(onHost(name, 'medic', '--version').stdout.trim(), version);
      assert.equal(onHost(name, 'cat', '/etc/medic/medic.yaml').stdout, HOST_YAML);
      assert.equal(onHost(name, 'systemctl', 'is-active', 'medic-watch').stdout.trim(), 'active');
      assert.equal(onHost(name, 'systemctl', 'is-enabled', 'medic-watch').stdout.trim(), 'enabled');
    }
    const watchPid = onHost('web1', 'systemctl', 'show', '-p', 'MainPID', '--value', 'medic-watch').stdout;
    const again = medicJson<{ changed: boolean }>(
      'fleet',
      'install',
      '--all-hosts',
      '--binary',
      binary,
      '--medic-yaml',
      'web.yaml',
    );
    assert.equal(again.code, 0);
    for (const name of NAMES) assert.equal(again.hosts[name]?.result?.changed, false, name);
    assert.equal(
      onHost('web1', 'systemctl', 'show', '-p', 'MainPID', '--value', 'medic-watch').stdout,
      watchPid,
      'the watch was not restarted by a run that changed nothing',
    );
  },
);

test(
  'a host reached as a deploy user: sudo: true runs fleet install and medic there as root; without it, one line',
  { todo: needsInstall },
  () => {
    // web2 gets the user a team deploys as: root's key, sudo without a password
    mustPass(
      onHost(
        'web2',
        'sh',
        '-c',
        `set -e; id deploy >/dev/null 2>&1 || useradd -m -s /bin/bash deploy
install -d -m 700 -o deploy -g deploy /home/deploy/.ssh
install -m 600 -o deploy -g deploy /root/.ssh/authorized_keys /home/deploy/.ssh/authorized_keys
echo 'deploy ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/deploy; chmod 440 /etc/sudoers.d/deploy`,
      ),
      'a deploy user on web2',
    );
    const inventory = join(dir, 'deploy-user.yaml');
    writeFileSync(
      inventory,
      'version: 1\nhosts:\n  - name: web2\n    ssh: deploy@web2\n    sudo: true\n  - name: web2-nosudo\n    ssh: deploy@web2\n',
    );
    const install = medicJson<{ changed: boolean }>(
      'fleet',
      'install',
      '-c',
      inventory,
      '--hosts',
      'web2',
      '--binary',
      binary,
      '--medic-yaml',
      'web.yaml',
    );
    assert.equal(install.code, 0, JSON.stringify(install.hosts, null, 1));
    assert.equal(install.hosts['web2']?.result?.changed, false, 'root installed it already: nothing to do');
    const checked = medicJson<{ services: unknown[] }>('check', '-c', inventory, '--hosts', 'web2');
    assert.equal(checked.hosts['web2']?.status, 'ok', JSON.stringify(checked.hosts['web2'], null, 1));
    assert.equal(checked.hosts['web2']?.result?.services.length, 3);
    // the same user without sudo: the root-owned files cannot be written, said in one line
    mustPass(onHost('web2', 'rm', '/etc/medic/medic.yaml'), 'a change for fleet install to make');
    const refused = medicJson<unknown>(
      'fleet',
      'install',
      '-c',
      inventory,
      '--hosts',
      'web2-nosudo',
      '--binary',
      binary,
      '--medic-yaml',
      'web.yaml',
    );
    const error = refused.hosts['web2-nosudo']?.error;
    assert.equal(refused.code, 2, 'a host it could not install: exit 2');
    assert.match(error?.message ?? '', /[Pp]ermission denied/);
    assert.doesNotMatch(error?.message ?? '', /\n/);
    // and with sudo it puts it back
    const again = medicJson<{ changed: boolean }>(
      'fleet',
      'install',
      '-c',
      inventory,
      '--hosts',
      'web2',
      '--binary',
      binary,
      '--medic-yaml',
      'web.yaml',
    );
    assert.equal(again.hosts['web2']?.result?.changed, true);
    assert.equal(onHost('web2', 'cat', '/etc/medic/medic.yaml').stdout, HOST_YAML);
  },
);

test(
  "web3's sshd stopped: web3's error, named, beside web1's and web2's own results",
  { todo: needsInstall },
  () => {
    mustPass(onHost('web3', 'systemctl', 'stop', 'ssh'), 'systemctl stop ssh on web3');
    try {
      const r = medicJson<{ services: { results: { id: string; status: string }[] }[] }>(
        'check',
        'flaskapp',
        '--all-hosts',
      );
      assert.equal(r.code, 2, 'a host that could not answer: exit 2');
      assert.deepEqual(r.order, [...NAMES], 'JSON keeps the inventory order');
      const web3 = r.hosts['web3'];
      assert.equal(web3?.status, 'error');
      assert.equal(web3?.error?.kind, 'unreachable');
      assert.equal(web3?.error?.message, 'ssh: connect to host 10.77.0.13 port 22: Connection refused');
      assert.equal(web3?.result, null);
      for (const name of ['web1', 'web2']) {
        const h = r.hosts[name];
        assert.equal(h?.status, 'ok', `${name}: ${JSON.stringify(h, null, 1).slice(0, 3000)}`);
        const results = h?.result?.services[0]?.results ?? [];
        assert.ok(results.length > 20, `${name}: ${results.length} checks`);
        assert.equal(results.find((c) => c.id === 'unit.active')?.status, 'pass', name);
      }
      // the text a person reads: the host that did not answer first, with ssh's words and the fix
      const text = medic('check', 'flaskapp', '--all-hosts');
      assert.equal(text.code, 2);
      assert.match(
        text.stdout,
        /^web3 {2}unreachable {2}[\d.]+ s\n {2}ssh: connect to host 10\.77\.0\.13 port 22: Connection refused\n {2}fix: ssh -v web3 true/,
      );
      assert.match(text.stdout, /\n3 hosts: 1 unreachable \(web3\), 2 ok \(web1, web2\)\n?$/);
    } finally {
      mustPass(onHost('web3', 'systemctl', 'start', 'ssh'), 'systemctl start ssh on web3');
    }
    assert.equal(ssh('web3', 'true').code, 0, 'web3 answers again');
  },
);

// --- load: requests to each host's Nginx from this machine, as a load balancer in front of them sends them
// (about 15 a second to each: the three hosts share this machine's two cores with the deploys)

let load: ChildProcess[] = [];
const loadLog = (name: string) => join(dir, `load-${name}.log`);

function startLoad(): void {
  load = NAMES.map((name) =>
    spawn(
      'bash',
      [
        '-c',
        `while true; do curl -s -o /dev/null -w '%{http_code}\\n' --max-time 5 --resolve flask.medic.test:80:${ADDRESS[name]} http://flask.medic.test/ >> ${loadLog(name)}; sleep 0.05; done`,
      ],
      { stdio: 'ignore' },
    ),
  );
}

function stopLoad(): Record<string, { total: number; bad: string[] }> {
  for (const p of load) p.kill();
  load = [];
  const counts: Record<string, { total: number; bad: string[] }> = {};
  for (const name of NAMES) {
    let codes: string[] = [];
    try {
      codes = readFileSync(loadLog(name), 'utf8').split('\n').filter(Boolean);
    } catch {
      // no load was started
    }
    counts[name] = { total: codes.length, bad: codes.filter((c) => c !== '200') };
    rmSync(loadLog(name), { force: true });
  }
  return counts;
}

function assertNoFailedRequest(counts: Record<string, { total: number; bad: string[] }>): void {
  for (const name of NAMES) {
    const c = counts[name] ?? { total: 0, bad: [] };
    assert.ok(c.total > 10, `${name}: only ${c.total} requests were made`);
    assert.deepEqual(c.bad, [], `${name}: ${c.bad.length} of ${c.total} requests failed`);
  }
}

interface DeployOut {
  outcome: string;
  release: string;
  step: string | null;
  message: string | null;
}

/** `medic deploy --all-hosts ARGS` while the load runs: the hosts' answers and the requests' status codes. */
function deployUnderLoad(...args: string[]) {
  startLoad();
  const r = medicJson<{ services: DeployOut[] }>('deploy', '--all-hosts', '--service', 'flaskapp', ...args);
  return { r, counts: stopLoad() };
}

const live = (name: string) => onHost(name, 'readlink', '/srv/flaskapp/current').stdout.trim();

/** A rollout that went through: every host in order, each on a new live release, which the report names. */
function assertRolledOut(
  r: ReturnType<typeof medicJson<{ services: DeployOut[] }>>,
  before: Record<string, string>,
): void {
  assert.equal(r.code, 0, JSON.stringify(r.hosts, null, 1).slice(0, 3000));
  assert.deepEqual(r.order, [...NAMES]);
  for (const name of NAMES) {
    const out = r.hosts[name]?.result?.services[0];
    assert.equal(out?.outcome, 'live', name);
    assert.equal(live(name), `releases/${out?.release}`);
    assert.notEqual(live(name), before[name], `${name} is on another release`);
    assert.equal(r.hosts[name]?.live, out?.release, `${name}: the live release the report names`);
  }
}

test(
  'a rolling deploy across the three hosts under load: one host after the other, no failed request',
  { todo: needsRolling },
  () => {
    // the release layout on each host first (the app as it runs today becomes the first release)
    const init = medic('deploy', '--init', '--service', 'flaskapp', '--all-hosts', '--parallel', '3');
    assert.equal(init.code, 0, init.stdout + init.stderr);
    const before = Object.fromEntries(NAMES.map((n) => [n, live(n)]));
    const { r, counts } = deployUnderLoad('--window', '3s', '/srv/flaskapp/current');
    assertRolledOut(r, before);
    // one host after the other: each release is named by the time it was made
    const made = NAMES.map((n) => r.hosts[n]?.result?.services[0]?.release ?? '');
    assert.deepEqual(
      [...made].sort(),
      made,
      `releases made in the order web1, web2, web3: ${made.join(' ')}`,
    );
    assertNoFailedRequest(counts);
  },
);

test(
  'a bad release is stopped on the first host: the others are not touched, every host serves',
  { todo: needsRolling },
  () => {
    const before = Object.fromEntries(NAMES.map((n) => [n, live(n)]));
    const releases = (name: string) => onHost(name, 'ls', '/srv/flaskapp/releases').stdout;
    const kept = Object.fromEntries(NAMES.map((n) => [n, releases(n)]));
    // the same broken release on each host: it imports a module the virtualenv does not have
    for (const name of NAMES)
      mustPass(
        onHost(
          name,
          'bash',
          '-c',
          'set -e; rm -rf /tmp/broken; cp -a /srv/flaskapp/current/ /tmp/broken; echo "import markdown_missing_module" >> /tmp/broken/flaskapp/__init__.py',
        ),
        `a broken release on ${name}`,
      );
    const { r, counts } = deployUnderLoad('/tmp/broken');
    assert.equal(r.code, 1, JSON.stringify(r.hosts, null, 1).slice(0, 3000));
    const first = r.hosts['web1']?.result?.services[0];
    assert.equal(first?.outcome, 'failed');
    assert.equal(first?.step, 'preflight');
    assert.match(first?.message ?? '', /app\.importable.*No module named 'markdown_missing_module'/);
    // web2 and web3 were never asked: not a release more there
    assert.equal(r.hosts['web1']?.started, true);
    for (const name of ['web2', 'web3']) {
      assert.equal(r.hosts[name]?.started, false, `${name} should not have been started`);
      assert.equal(releases(name), kept[name], `${name} has no new release`);
    }
    for (const name of NAMES) {
      assert.equal(live(name), before[name], `${name} serves the release it served`);
      assert.equal(
        `releases/${r.hosts[name]?.live}`,
        before[name],
        `${name}: the live release the report names`,
      );
    }
    assertNoFailedRequest(counts);
  },
);

test(
  'medic rollback --all-hosts: each host back one release, one after the other, under load, no failed request',
  { todo: needsRolling },
  () => {
    const before = Object.fromEntries(NAMES.map((n) => [n, live(n)]));
    startLoad();
    const r = medicJson<{ services: DeployOut[] }>(
      'rollback',
      '--all-hosts',
      '--service',
      'flaskapp',
      '--window',
      '3s',
    );
    const counts = stopLoad();
    assertRolledOut(r, before);
    assertNoFailedRequest(counts);
    // a release id is one host's own
    const one = medic('rollback', '20261202T000000Z', '--all-hosts');
    assert.equal(one.code, 2);
    assert.match(one.stderr, /^medic: a release id is one host's own/);
  },
);

test(
  'a scenario applied on web2 is found by diagnose --all-hosts on web2, and only there',
  { todo: needsInstall },
  () => {
    mustPass(testbed('hosts', 'scenario', 'web2', 'exec_missing'), 'scenario exec_missing on web2');
    try {
      diagnoseWeb2Only();
    } finally {
      // web2 as it was for the tests after: the ExecStart the scenario broke put back, fastapi running
      mustPass(
        onHost(
          'web2',
          'sh',
          '-c',
          "sed -i 's|/srv/fastapi/venv/bin/uvicorn|/srv/fastapi/.venv/bin/uvicorn|' /etc/systemd/system/fastapi.service && systemctl daemon-reload && systemctl reset-failed fastapi && systemctl restart fastapi",
        ),
        'fastapi healed on web2',
      );
    }
  },
);

/** diagnose --all-hosts with fastapi broken on web2: web2 named with its cause, web1 and web3 ok. */
function diagnoseWeb2Only(): void {
  const r = medicJson<{ services: Diagnosis[] }>('diagnose', 'fastapi', '--all-hosts');
  assert.equal(r.code, 1, JSON.stringify(r.hosts, null, 1).slice(0, 3000));
  const web2 = r.hosts['web2'];
  assert.equal(web2?.status, 'problems');
  const d = web2?.result?.services[0];
  assert.equal(d?.cause?.id, 'unit_misconfigured', JSON.stringify(d, null, 1).slice(0, 3000));
  assert.match(d?.firstFatal?.line ?? '', /\/srv\/fastapi\/venv\/bin\/uvicorn/);
  for (const name of ['web1', 'web3']) {
    const h = r.hosts[name];
    assert.equal(h?.status, 'ok', `${name}: ${JSON.stringify(h, null, 1).slice(0, 3000)}`);
    assert.equal(h?.result?.services[0]?.cause, null, name);
  }
  // the text a person reads: web2 first, its cause named
  const text = medic('diagnose', 'fastapi', '--all-hosts');
  assert.match(text.stdout, /^web2 {2}problems found .*\n.*unit_misconfigured/);
  assert.match(text.stdout, /\n3 hosts: 1 problems found \(web2\), 2 ok \(web1, web3\)\n?$/);
}

// --- the shared store: web2's and web3's medic watch write to one PostgreSQL, the one web1 runs for its apps
// (opened to the hosts' network for medic, as a team opens its database server), and alert one receiver on
// this machine. web2's daemon is SIGKILLed while its alert cannot be delivered; systemd starts it again.

const RECEIVER_PORT = 9931;
const STORE_PASSWORD = 'fleet-st0re/pw';
const STORE_URL = `postgresql://medic:${encodeURIComponent(STORE_PASSWORD)}@10.77.0.11:5432/medic`;

interface Delivered {
  at: number;
  status: number;
  body: { event?: string; host?: string; service?: string; incident?: number; cause?: { id: string } | null };
}

/** A webhook receiver on the hosts' bridge: 503 while `refusing`, 200 after; every request recorded. */
async function receiver(): Promise<{ got: Delivered[]; refusing: { on: boolean }; close: () => void }> {
  const got: Delivered[] = [];
  const refusing = { on: true };
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString('utf8')));
    req.on('end', () => {
      const status = refusing.on ? 503 : 200;
      let body: Delivered['body'] = {};
      try {
        body = JSON.parse(text) as Delivered['body'];
      } catch {
        /* recorded as an empty body */
      }
      got.push({ at: Date.now(), status, body });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'not now');
    });
  });
  await new Promise<void>((ok) => server.listen(RECEIVER_PORT, '10.77.0.1', ok));
  return { got, refusing, close: () => server.close() };
}

test(
  'two watch daemons, one PostgreSQL: web2 SIGKILLed mid-incident, no alert lost or doubled, both hosts in the store',
  { todo: needsInstall },
  async () => {
    const r = await receiver();
    try {
      // web1's PostgreSQL takes medic's store: a role and a database, and the hosts' network let in
      mustPass(
        onHost(
          'web1',
          'bash',
          '-c',
          `set -e
          conf=$(ls -d /etc/postgresql/*/main)
          echo "listen_addresses = '*'" > $conf/conf.d/medic-store.conf
          grep -q '^host medic medic 10.77.0.0/24' $conf/pg_hba.conf || echo 'host medic medic 10.77.0.0/24 scram-sha-256' >> $conf/pg_hba.conf
          systemctl restart postgresql
          sudo -u postgres psql -qc "DROP DATABASE IF EXISTS medic" -c "DROP ROLE IF EXISTS medic" -c "CREATE ROLE medic LOGIN PASSWORD '${STORE_PASSWORD}'" -c "CREATE DATABASE medic OWNER medic"`,
        ),
        'the shared store on web1',
      );
      const yaml = `${HOST_YAML}store: ${STORE_URL}
watch:
  interval: 1s
  timeout: 2s
  failures: 2
  resolveAfter: 4s
notify:
  webhook: http://10.77.0.1:${RECEIVER_PORT}/hook
`;
      for (const name of ['web2', 'web3']) {
        mustPass(
          onHost(
            name,
            'bash',
            '-c',
            `set -e
            cat > /etc/medic/medic.yaml <<'EOF'
${yaml}EOF
            systemctl restart medic-watch
            for i in $(seq 1 80); do journalctl -u medic-watch -o cat --since -20s | grep -q 'event=watching' && exit 0; sleep 0.25; done
            journalctl -u medic-watch -o cat | tail -n 20; exit 1`,
          ),
          `medic watch on ${name} with the shared store`,
        );
      }
      // flaskapp's main process killed on both hosts: each its own incident, its opened alert held by the 503s
      for (const name of ['web2', 'web3'])
        mustPass(
          onHost(name, 'systemctl', 'kill', '-s', 'KILL', '--kill-whom=main', 'flaskapp'),
          `kill on ${name}`,
        );
      const tried = (host: string) =>
        r.got.filter(
          (d) => d.body.host === host && d.body.service === 'flaskapp' && d.body.event === 'incident.opened',
        );
      await until(
        'both hosts trying to send their opened alert',
        () => tried('web2').length > 0 && tried('web3').length > 0,
        60,
      ).catch((error: Error) => {
        // which host stayed silent, and what its watch said
        const silent = ['web2', 'web3'].filter((h) => tried(h).length === 0);
        const said = silent.map(
          (h) =>
            `${h}: ${onHost(h, 'journalctl', '-u', 'medic-watch', '-o', 'cat', '--since', '-90s', '--no-pager').stdout.split('\n').slice(-25).join('\n  ')}`,
        );
        throw new Error(`${error.message}: nothing from ${silent.join(', ')}\n${said.join('\n')}`);
      });
      // web2's daemon dies with its alert undelivered; systemd starts it again (Restart=always)
      const watchPid = () =>
        onHost('web2', 'systemctl', 'show', '-p', 'MainPID', '--value', 'medic-watch').stdout.trim();
      const pid = watchPid();
      mustPass(
        onHost('web2', 'systemctl', 'kill', '-s', 'KILL', 'medic-watch'),
        'SIGKILL of medic watch on web2',
      );
      await until(
        'medic watch on web2 started again',
        () => {
          const now = watchPid();
          return now !== pid && now !== '0';
        },
        30,
      );
      r.refusing.on = false;
      const delivered = (host: string, event: string) =>
        r.got.filter(
          (d) =>
            d.status === 200 &&
            d.body.host === host &&
            d.body.service === 'flaskapp' &&
            d.body.event === event,
        );
      for (const host of ['web2', 'web3']) {
        await until(
          `${host}'s opened alert delivered`,
          () => delivered(host, 'incident.opened').length > 0,
          120,
        );
        await until(
          `${host}'s resolved alert delivered`,
          () => delivered(host, 'incident.resolved').length > 0,
          120,
        );
      }
      // a while for any second copy to arrive
      await sleep(8000);
      for (const host of ['web2', 'web3'])
        for (const event of ['incident.opened', 'incident.resolved'])
          assert.equal(delivered(host, event).length, 1, `${host} ${event}: once`);
      assert.equal(delivered('web2', 'incident.opened')[0]?.body.cause?.id, 'killed_by_signal');
      // the shared store has each host's incident once, as medic on this machine reads it
      const listed = medic('--format', 'json', 'incidents', '--store', STORE_URL, '-n', '50');
      assert.equal(listed.code === 0 || listed.code === 1, true, listed.stderr);
      const rows = (
        JSON.parse(listed.stdout) as { incidents: { host?: string; service: string; state: string }[] }
      ).incidents.filter((i) => i.service === 'flaskapp');
      for (const host of ['web2', 'web3'])
        assert.deepEqual(
          rows.filter((i) => i.host === host).map((i) => i.state),
          ['resolved'],
          `${host}'s flaskapp incident in the shared store: ${JSON.stringify(rows)}`,
        );
    } finally {
      r.close();
    }
  },
);
