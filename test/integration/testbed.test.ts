// The testbed itself: what tests and people rely on when they poke at the box by hand.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, test } from 'node:test';
import { assertHealthy, checkout, inBox, mustPass, testbed } from './box.ts';

const version = JSON.parse(readFileSync(`${checkout}package.json`, 'utf8')).version as string;

before(() => {
  mustPass(testbed('up'), 'scripts/testbed up');
});

test('up is idempotent: a second up on a healthy box succeeds without a reboot', () => {
  const leader = readFileSync('/run/medic-testbed/leader', 'utf8');
  mustPass(testbed('up'), 'second up');
  assert.equal(readFileSync('/run/medic-testbed/leader', 'utf8'), leader);
});

test('medic inside the box runs this checkout, through a bind mount', () => {
  const r = mustPass(inBox('medic', '--version'), 'medic --version');
  assert.equal(r.stdout.trim(), version);
  assert.equal(
    inBox('cat', '/opt/medic/package.json').stdout,
    readFileSync(`${checkout}package.json`, 'utf8'),
  );
  assert.match(inBox('findmnt', '-n', '-o', 'OPTIONS', '/opt/medic').stdout, /\bro\b/);
});

test('exec passes exit code, stdout and stderr through, with a clean environment', () => {
  const r = inBox('sh', '-c', 'echo out; echo err >&2; exit 7');
  assert.equal(r.code, 7);
  assert.equal(r.stdout, 'out\n');
  assert.equal(r.stderr, 'err\n');
  process.env.MEDIC_HOST_ONLY = 'leak';
  const env = mustPass(inBox('env'), 'env').stdout;
  delete process.env.MEDIC_HOST_ONLY;
  assert.doesNotMatch(env, /MEDIC_HOST_ONLY/);
  assert.match(env, /^PATH=/m);
  assert.equal(inBox('id', '-u').stdout.trim(), '0');
});

test('the box is a real systemd host with the three apps, the worker and their services', () => {
  assert.equal(inBox('cat', '/proc/1/comm').stdout.trim(), 'systemd');
  for (const u of [
    'nginx',
    'postgresql',
    'redis-server',
    'flaskapp',
    'fastapi',
    'djangoapp',
    'djangoapp-celery',
  ]) {
    assert.equal(inBox('systemctl', 'is-active', u).stdout.trim(), 'active', u);
  }
  const flask = inBox(
    'systemctl',
    'show',
    'flaskapp',
    '-p',
    'User,WorkingDirectory,Restart,EnvironmentFiles',
  ).stdout;
  assert.match(flask, /^User=www-data$/m);
  assert.match(flask, /^WorkingDirectory=\/srv\/flaskapp$/m);
  assert.match(flask, /^Restart=always$/m);
  assert.match(flask, /^EnvironmentFiles=\/srv\/flaskapp\/\.env/m);
  assertHealthy();
});

test('status reports a running, healthy box', () => {
  const r = mustPass(testbed('status'), 'status');
  assert.match(r.stdout, /^up: image image-/);
  assert.match(r.stdout, /^healthy$/m);
});

test('a scenario that does not exist is a one-line error', () => {
  const r = testbed('scenario', 'apply', 'no_such_scenario');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr.trim(), /^testbed: no scenario named 'no_such_scenario'/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('the single executable runs on the box, which has no Node on its PATH, and answers as the checkout does', () => {
  assert.equal(inBox('sh', '-c', 'command -v node npm').stdout.trim(), '', 'no node and no npm on the PATH');
  const one = inBox('/opt/medic/dist/medic', '--format', 'json', 'diagnose', 'flaskapp');
  assert.equal(one.code, 0, one.stderr);
  const fromCheckout = inBox('medic', '--format', 'json', 'diagnose', 'flaskapp');
  const shape = (s: string) => {
    const d = (
      JSON.parse(s) as { services: { status: string; layers: { name: string; status: string }[] }[] }
    ).services[0];
    return { status: d?.status, layers: d?.layers.map((l) => `${l.name} ${l.status}`) };
  };
  assert.deepEqual(shape(one.stdout), shape(fromCheckout.stdout));
  const version = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  assert.equal(inBox('/opt/medic/dist/medic', '--version').stdout.trim(), version.version);
});
