// The fleet's pure parts: which hosts --hosts picks, the ssh command line and its quoting, what ssh's own
// lines (cut from OpenSSH 9.2p1's real output, in test/fixtures/ssh) become, and how many hosts' answers
// merge into one report and one exit code.
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/main.ts';
import { hostNameOf, parseConfig } from '../../src/config/medic-yaml.ts';
import {
  fleetExitCode,
  fleetJson,
  fleetMarkdown,
  fleetText,
  worstFirst,
} from '../../src/fleet/fleet-report.ts';
import { hostErrorOf } from '../../src/fleet/host-error.ts';
import { hostResultOf, type HostResult } from '../../src/fleet/host-result.ts';
import { type FleetHost, selectHosts } from '../../src/fleet/inventory.ts';
import { forwardedArgv } from '../../src/fleet/remote-argv.ts';
import { liveReleaseOf, rollout } from '../../src/fleet/rollout.ts';
import { remoteMedic, shellQuote, sshArgv, sshCommandOf } from '../../src/fleet/ssh-argv.ts';
import type { SshSession } from '../../src/host/ssh.ts';
import { makeStyle } from '../../src/report/style.ts';

const stderrOf = (name: string) =>
  readFileSync(new URL(`../fixtures/ssh/${name}.stderr`, import.meta.url), 'utf8');
const session = (o: Partial<SshSession>): SshSession => ({
  code: 0,
  signal: null,
  stdout: '',
  stderr: '',
  timedOut: false,
  ms: 900,
  ...o,
});
const host = (name: string, ssh = name): FleetHost => ({ name, ssh, labels: [] });

const INVENTORY = parseConfig(
  `version: 1
hosts:
  - name: web1
    ssh: root@10.0.0.11
    labels: [web, eu]
  - name: web2
    ssh: deploy@web2.example.com
    labels: [web]
    config: hosts/web2.yaml
  - name: worker
    ssh: ops-worker
    medic: /opt/medic/bin/medic
`,
  '/srv/ops/medic.yaml',
).hosts!;

test('medic.yaml: hosts alone make a valid file; a bad target or a twice-used name is named by its key', () => {
  assert.equal(INVENTORY.length, 3);
  assert.throws(
    () => parseConfig('version: 1\nhosts:\n  - name: a\n    ssh: -oProxyCommand=x\n'),
    /medic.yaml:4: hosts.0.ssh: an ssh target/,
  );
  assert.throws(
    () => parseConfig('version: 1\nhosts:\n  - {name: a, ssh: a}\n  - {name: a, ssh: b}\n'),
    /hosts: two hosts with one name/,
  );
  assert.throws(() => parseConfig('version: 1\n'), /at least one service .* or hosts/);
});

test("medic.yaml's host: this server's own name, else its hostname; a name with a space is refused", () => {
  const named = parseConfig('version: 1\nhost: web2-eu\nhosts:\n  - {name: a, ssh: a}\n');
  assert.equal(hostNameOf(named), 'web2-eu');
  assert.equal(hostNameOf(parseConfig('version: 1\nhosts:\n  - {name: a, ssh: a}\n')), hostname());
  assert.equal(hostNameOf(null), hostname());
  assert.throws(
    () => parseConfig('version: 1\nhost: web 2\nhosts:\n  - {name: a, ssh: a}\n'),
    /medic.yaml:2: host: a host name/,
  );
});

test('--hosts: names, then labels, then ssh targets, each host once, in the order given', () => {
  const names = (spec: string) =>
    selectHosts({ hosts: spec }, INVENTORY, '/srv/ops/medic.yaml').map((h) => h.name);
  assert.deepEqual(names('worker,web1'), ['worker', 'web1']);
  assert.deepEqual(names('web'), ['web1', 'web2']);
  assert.deepEqual(names('web1,web'), ['web1', 'web2']);
  assert.deepEqual(names('root@10.0.0.99, worker'), ['root@10.0.0.99', 'worker']);
  const [adHoc] = selectHosts({ hosts: 'ssh://root@10.0.0.5:2222' }, [], null);
  assert.deepEqual(adHoc, { name: 'ssh://root@10.0.0.5:2222', ssh: 'ssh://root@10.0.0.5:2222', labels: [] });
  const web2 = selectHosts({ hosts: 'web2' }, INVENTORY, '/srv/ops/medic.yaml')[0];
  assert.equal(web2?.config, '/srv/ops/hosts/web2.yaml');
});

test('--all-hosts: every host of the inventory; without one, or with --hosts too, a usage error', () => {
  assert.equal(selectHosts({ allHosts: true }, INVENTORY, '/srv/ops/medic.yaml').length, 3);
  assert.throws(() => selectHosts({ allHosts: true }, [], '/srv/ops/medic.yaml'), /has no hosts:/);
  assert.throws(() => selectHosts({ allHosts: true }, [], null), /no medic.yaml here/);
  assert.throws(() => selectHosts({ allHosts: true, hosts: 'web1' }, INVENTORY, null), /not both/);
  assert.throws(() => selectHosts({ hosts: ' , ' }, INVENTORY, null), /give host names/);
  assert.throws(() => selectHosts({ hosts: '-F/tmp/evil' }, INVENTORY, null), /not a host of medic.yaml/);
});

test('ssh: strict host key checking and batch mode come before any option of MEDIC_SSH_COMMAND', () => {
  const base = sshCommandOf({ MEDIC_SSH_COMMAND: 'ssh -F /tmp/cfg  -o StrictHostKeyChecking=no' });
  const argv = sshArgv(base, 'web1', 'medic check');
  assert.deepEqual(argv.slice(0, 5), ['ssh', '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes']);
  // ssh keeps the first value given: the user's "no" comes after medic's "yes"
  assert.ok(argv.indexOf('StrictHostKeyChecking=no') > argv.indexOf('StrictHostKeyChecking=yes'));
  assert.deepEqual(argv.slice(-3), ['--', 'web1', 'medic check']);
  assert.ok(argv.includes('ConnectTimeout=10'));
  assert.deepEqual(sshCommandOf({}), ['ssh']);
});

test('the remote command: each argument reaches medic there as it was given (a real sh reads it)', () => {
  const words = ['--only', 'nginx,db', "it's", 'a b', '$(reboot)', '`id`', '"q"', '*', ''];
  const line = ['printf', '%s\\n', ...words].map(shellQuote).join(' ');
  const r = spawnSync('/bin/sh', ['-c', line], { encoding: 'utf8' });
  assert.equal(r.stdout, words.map((w) => `${w}\n`).join(''));
  assert.equal(shellQuote('web.service'), 'web.service');
  assert.match(
    remoteMedic({}, ['check']),
    /^sh -c '.*command -v medic \|\| echo \/usr\/local\/bin\/medic.*' medic check$/,
  );
  assert.equal(
    remoteMedic({ medic: '/opt/medic/bin/medic' }, ['check', 'a b']),
    "/opt/medic/bin/medic check 'a b'",
  );
  // a deploy user's host: medic there as root through sudo without a password prompt
  assert.match(remoteMedic({ sudo: true }, ['check']), /^sudo -n sh -c '.*' medic check$/);
});

/** The argv forwarded for a command line, read from medic's real command definitions. */
async function forwarded(argv: string[]): Promise<string[]> {
  const program = buildProgram();
  let got: string[] = [];
  const leaves = (c: Command): Command[] => [c, ...c.commands.flatMap(leaves)];
  for (const c of leaves(program))
    c.action((...a: unknown[]) => void (got = forwardedArgv(a.at(-1) as Command)));
  await program.parseAsync(argv, { from: 'user' });
  return got;
}

test('forwarded: the options given (not the defaults), less the inventory and the host selection', async () => {
  assert.deepEqual(await forwarded(['check', 'web', '--only', 'nginx', '--all-hosts', '-c', 'ops.yaml']), [
    'check',
    '--only',
    'nginx',
    'web',
  ]);
  assert.deepEqual(
    await forwarded([
      '--debug',
      'diagnose',
      '--log',
      '/var/log/a.log',
      '--log',
      '/var/log/b.log',
      '--hosts',
      'w',
    ]),
    ['--debug', 'diagnose', '--log', '/var/log/a.log', '--log', '/var/log/b.log'],
  );
  assert.deepEqual(await forwarded(['incidents', '--hosts', 'web1', '--state', 'open', 'show', '12']), [
    'incidents',
    '--state',
    'open',
    'show',
    '12',
  ]);
  assert.deepEqual(await forwarded(['releases', '-s', 'api', '--all-hosts']), [
    'releases',
    '--service',
    'api',
  ]);
  assert.deepEqual(await forwarded(['check', '--hosts', 'w', '--', '-odd']), ['check', '--', '-odd']);
  await assert.rejects(
    forwarded(['diagnose', '--log', '-', '--hosts', 'w']),
    /--log - reads the standard input here/,
  );
  await assert.rejects(forwarded(['diagnose', '--explain', 'oom', '--hosts', 'w']), /without --hosts/);
});

test("ssh's own lines become one line and a fix, ssh's words kept", () => {
  const cases: [string, string, RegExp, RegExp][] = [
    [
      'connection-refused',
      'unreachable',
      /^ssh: connect to host 127.0.0.1 port 42023: Connection refused$/,
      /ssh -v web2 true/,
    ],
    ['unknown-name', 'unreachable', /Could not resolve hostname nohost.invalid/, /ssh -G web2/],
    ['connect-timeout', 'unreachable', /^ssh: Connection to 10.255.255.1 port 22 timed out$/, /ssh -v/],
    [
      'host-key-unknown',
      'host_key_unknown',
      /no host key known for \[127.0.0.1\]:42022, and medic never accepts one blindly/,
      /ssh-keyscan -p 42022 127.0.0.1/,
    ],
    [
      'host-key-changed',
      'host_key_changed',
      /host key of \[127.0.0.1\]:42022 has changed/,
      /^ssh-keygen -f ".*known_hosts" -R "\[127.0.0.1\]:42022"/,
    ],
    [
      'permission-denied',
      'auth',
      /^ssh: nobody@127.0.0.1: Permission denied \(publickey\)\.$/,
      /ssh-copy-id web2/,
    ],
  ];
  for (const [fixture, kind, message, fix] of cases) {
    const e = hostErrorOf(session({ code: 255, stderr: stderrOf(fixture) }), 'web2', 'web2');
    assert.equal(e?.kind, kind, fixture);
    assert.match(e?.message ?? '', message, fixture);
    assert.match(e?.fix ?? '', fix, fixture);
  }
});

test('medic missing there, medic failing there, no answer in time', () => {
  for (const fixture of ['medic-missing', 'command-not-found']) {
    const e = hostErrorOf(session({ code: 127, stderr: stderrOf(fixture) }), 'root@h', 'web3');
    assert.equal(e?.kind, 'not_installed');
    assert.equal(e?.message, stderrOf(fixture).trim());
    assert.equal(e?.fix, 'medic fleet install --hosts web3');
  }
  const failed = hostErrorOf(session({ code: 2, stderr: stderrOf('medic-error') }), 'h', 'h');
  assert.deepEqual(failed, {
    kind: 'medic_error',
    message: 'medic: cannot ask systemd about units here (no systemctl, or no systemd running)',
  });
  assert.equal(
    hostErrorOf(session({ timedOut: true, code: null, signal: 'SIGTERM', ms: 120_000 }), 'h', 'h')?.message,
    'no answer within 120 s',
  );
  assert.equal(hostErrorOf(session({ code: 1 }), 'h', 'h'), null);
});

const ENVELOPE = JSON.stringify({ schema: 1, command: 'check', services: [{ summary: { fail: 1 } }] });

test("a host's JSON is kept whole; output that is not medic's envelope is that host's error", () => {
  const ok = hostResultOf(host('web1'), session({ code: 1, stdout: ENVELOPE }), true);
  assert.equal(ok.status, 'problems');
  assert.deepEqual(ok.json, JSON.parse(ENVELOPE));
  const bad = hostResultOf(host('web1'), session({ code: 0, stdout: 'Welcome to web1!\n' }), true);
  assert.equal(bad.status, 'error');
  assert.match(bad.error?.message ?? '', /not medic's JSON on stdout: Welcome to web1!/);
  const text = hostResultOf(host('web1'), session({ code: 0, stdout: 'all good\n\n' }), false);
  assert.equal(text.text, 'all good');
});

const RESULTS: HostResult[] = [
  hostResultOf(
    host('web1', 'root@10.0.0.11'),
    session({ code: 0, stdout: '✓ flaskapp healthy\n  12 checks' }),
    false,
  ),
  hostResultOf(host('web2'), session({ code: 255, stderr: stderrOf('connection-refused'), ms: 40 }), false),
  hostResultOf(host('web3'), session({ code: 1, stdout: '✗ flaskapp: db_auth_failed' }), false),
  hostResultOf(host('web4'), session({ code: 0, stdout: '✓ api healthy' }), false),
];

test('worst first: errors, then problems, then the healthy in the order given; the exit code is the worst', () => {
  assert.deepEqual(
    worstFirst(RESULTS).map((r) => r.host.name),
    ['web2', 'web3', 'web1', 'web4'],
  );
  assert.equal(fleetExitCode(RESULTS), 2);
  assert.equal(fleetExitCode(RESULTS.filter((r) => r.host.name !== 'web2')), 1);
  assert.equal(fleetExitCode([RESULTS[0]!, RESULTS[3]!]), 0);
  assert.equal(fleetExitCode([]), 0);
});

test("text: each host's own text indented under its name, worst first, and a last line that counts", () => {
  const text = fleetText(RESULTS, makeStyle(false));
  assert.equal(
    text,
    [
      'web2  unreachable  0.0 s',
      '  ssh: connect to host 127.0.0.1 port 42023: Connection refused',
      '  fix: ssh -v web2 true   # is the host up, its sshd listening on that port?',
      '',
      'web3  problems found  0.9 s',
      '  ✗ flaskapp: db_auth_failed',
      '',
      'web1 (root@10.0.0.11)  ok  0.9 s',
      '  ✓ flaskapp healthy',
      '    12 checks',
      '',
      'web4  ok  0.9 s',
      '  ✓ api healthy',
      '',
      '4 hosts: 1 unreachable (web2), 1 problems found (web3), 2 ok (web1, web4)',
    ].join('\n'),
  );
});

test('json: one envelope, the hosts in the order given, each its own envelope or its error', () => {
  const doc = JSON.parse(
    fleetJson('check', [
      hostResultOf(host('web1'), session({ code: 1, stdout: ENVELOPE }), true),
      RESULTS[1]!,
    ]),
  );
  assert.equal(doc.schema, 1);
  assert.equal(doc.command, 'check');
  assert.deepEqual(
    doc.hosts.map((h: { name: string; status: string; exitCode: number }) => [h.name, h.status, h.exitCode]),
    [
      ['web1', 'problems', 1],
      ['web2', 'error', 2],
    ],
  );
  assert.deepEqual(doc.hosts[0].result, JSON.parse(ENVELOPE));
  assert.equal(doc.hosts[0].error, null);
  assert.equal(doc.hosts[1].result, null);
  assert.equal(doc.hosts[1].error.kind, 'unreachable');
});

/** A deploy that takes `ms` and then goes live or not, recording when each host started. */
function deployer(outcomes: Record<string, { ms: number; ok: boolean }>, started: string[]) {
  return async (h: FleetHost): Promise<HostResult> => {
    started.push(h.name);
    const o = outcomes[h.name] ?? { ms: 1, ok: true };
    await new Promise((r) => setTimeout(r, o.ms));
    return hostResultOf(h, session({ code: o.ok ? 0 : 1, ms: o.ms }), false);
  };
}

test('rollout: one host at a time; the first failure stops it, the hosts after it never start', async () => {
  const hosts = ['web1', 'web2', 'web3'].map((n) => host(n));
  const started: string[] = [];
  const results = await rollout(hosts, 1, deployer({ web2: { ms: 5, ok: false } }, started));
  assert.deepEqual(started, ['web1', 'web2']);
  assert.deepEqual(
    results.map((r) => r?.status ?? null),
    ['ok', 'problems', null],
  );
  const all: string[] = [];
  assert.deepEqual(
    (await rollout(hosts, 1, deployer({}, all))).map((r) => r?.status),
    ['ok', 'ok', 'ok'],
  );
  assert.deepEqual(all, ['web1', 'web2', 'web3']);
});

test('rollout --parallel 2: the hosts under way finish after a failure, no new one starts', async () => {
  const hosts = ['web1', 'web2', 'web3', 'web4'].map((n) => host(n));
  const started: string[] = [];
  const results = await rollout(
    hosts,
    2,
    deployer({ web1: { ms: 5, ok: false }, web2: { ms: 40, ok: true } }, started),
  );
  assert.deepEqual(started, ['web1', 'web2']);
  assert.deepEqual(
    results.map((r) => r?.status ?? null),
    ['problems', 'ok', null, null],
  );
});

test('the live release, from medic releases --format json', () => {
  const json = {
    schema: 1,
    command: 'releases',
    releases: [
      { id: '20261122T101500Z', live: false },
      { id: '20261121T090000Z', live: true },
    ],
  };
  assert.equal(liveReleaseOf(json), '20261121T090000Z');
  assert.equal(liveReleaseOf({ schema: 1, releases: [] }), null);
  assert.equal(liveReleaseOf(null), null);
});

test("markdown: a heading per host, worst first, the host's own headings one level down", () => {
  const md = fleetMarkdown([
    hostResultOf(host('web1'), session({ code: 0, stdout: '# flaskapp: healthy\n\n## Checks\n- ok' }), false),
    RESULTS[1]!,
  ]);
  assert.equal(
    md,
    [
      '# web2: unreachable',
      '',
      '**ssh: connect to host 127.0.0.1 port 42023: Connection refused**',
      '',
      'fix: `` ssh -v web2 true   # is the host up, its sshd listening on that port? ``',
      '',
      '# web1: ok',
      '',
      '## flaskapp: healthy',
      '',
      '### Checks',
      '- ok',
      '',
      '2 hosts: 1 unreachable (web2), 1 ok (web1)',
    ].join('\n'),
  );
});
