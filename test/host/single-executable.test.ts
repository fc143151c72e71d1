// dist/medic, the single executable, on a PATH with no Node and no npm: the same answers as the checkout,
// node:sqlite inside, and `self install` into a scratch prefix. A binary older than the sources is rebuilt.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BINARY, builtIsCurrent, sha256Of } from '../../scripts/build.ts';
import { Store } from '../../src/store/store.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const CHECKOUT = join(ROOT, 'bin', 'medic.js');
const FIXTURE = join(ROOT, 'test/fixtures/public/db_auth_failed/postgres-role-missing-after-reinit.log');
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

const work = mkdtempSync(join(tmpdir(), 'medic-single-'));
after(() => rmSync(work, { recursive: true, force: true }));
/** A PATH with nothing on it: no node, no npm, as on a server that never had them. */
const BARE = join(work, 'bin');
const env = { ...process.env, PATH: BARE };

function run(file: string, args: string[], cwd = ROOT) {
  const r = spawnSync(file, args, { cwd, env, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const single = (...args: string[]) => run(BINARY, args);
const checkout = (...args: string[]) => run(process.execPath, [CHECKOUT, ...args]);

before(() => {
  mkdirSync(BARE);
  const which = spawnSync('/bin/sh', ['-c', 'command -v node || command -v npm'], { env, encoding: 'utf8' });
  assert.notEqual(which.status, 0, `node or npm found on the bare PATH: ${which.stdout}`);
  if (builtIsCurrent()) {
    console.log('# dist/medic is current: no build');
    return;
  }
  const started = performance.now();
  const built = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  assert.equal(built.status, 0, `npm run build failed:\n${built.stdout}\n${built.stderr}`);
  console.log(`# npm run build: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  assert.ok(builtIsCurrent(), 'the build left a binary that matches its checksum and the sources');
});

test('--version is the version of package.json', () => {
  const r = single('--version');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${version}\n`);
});

test('diagnose --log gives the same JSON, byte for byte, and the same exit code as the checkout', () => {
  const args = ['diagnose', '--log', FIXTURE, '--format', 'json'];
  const [a, b] = [single(...args), checkout(...args)];
  assert.equal(a.code, 1, a.stderr);
  assert.equal(a.code, b.code);
  assert.equal(a.stdout, b.stdout);
  assert.match(a.stdout, /"id": "db_auth_failed"/);
  assert.equal(a.stderr, '');
});

test('check --help is the checkout’s help', () => {
  const [a, b] = [single('check', '--help'), checkout('check', '--help')];
  assert.equal(a.code, 0);
  assert.match(a.stdout, /^Usage: medic check/);
  assert.equal(a.stdout, b.stdout);
});

test('a log that is not there: the same one-line error and exit 2 as the checkout', () => {
  const [a, b] = [single('diagnose', '--log', '/nope'), checkout('diagnose', '--log', '/nope')];
  assert.equal(a.code, 2);
  assert.equal(a.stderr, 'medic: --log /nope: no such file\n');
  assert.equal(b.code, 2);
  assert.equal(a.stderr, b.stderr);
  assert.equal(a.stdout, '');
});

test('node:sqlite works inside: incidents reads a store', () => {
  const path = join(work, 'medic.db');
  Store.open(path, { create: true }).close();
  const r = single('--format', 'json', 'incidents', '--store', path);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).incidents, []);
  assert.doesNotMatch(r.stderr, /Warning/);
});

test('self install: copied whole and verified, then "already installed"; nothing else in the prefix', () => {
  const prefix = join(work, 'prefix');
  mkdirSync(prefix);
  const first = single('self', 'install', '--prefix', prefix);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, new RegExp(`^medic ${version} installed: ${prefix}/medic \\(sha256 `));
  assert.match(first.stdout, /as .*dist\/medic\.sha256 says/);
  assert.deepEqual(readdirSync(prefix), ['medic']);
  assert.equal(sha256Of(join(prefix, 'medic')), sha256Of(BINARY));
  assert.equal(statSync(join(prefix, 'medic')).mode & 0o777, 0o755);

  const again = single('--format', 'json', 'self', 'install', '--prefix', prefix);
  assert.equal(again.code, 0, again.stderr);
  const [installed] = JSON.parse(again.stdout).installs;
  assert.equal(installed.state, 'already installed');
  assert.equal(installed.path, join(prefix, 'medic'));

  // The installed copy runs, and the unit it prints starts it from where it is.
  const installedRun = run(join(prefix, 'medic'), ['--version']);
  assert.equal(installedRun.stdout, `${version}\n`);
  const config = join(work, 'medic.yaml');
  writeFileSync(
    config,
    `version: 1\nservices:\n  web:\n    unit: web\nwatch:\n  store: ${join(work, 'w.db')}\n`,
  );
  const unit = run(join(prefix, 'medic'), ['watch', '-c', config, '--print-unit']);
  assert.equal(unit.code, 0, unit.stderr);
  assert.match(unit.stdout, new RegExp(`^ExecStart=${prefix}/medic watch --config ${config}$`, 'm'));
  assert.doesNotMatch(unit.stdout, /bin\/medic\.js/);
});

test('self install refuses a binary that does not match its medic.sha256, and writes nothing', () => {
  const dir = join(work, 'tampered');
  const prefix = join(work, 'prefix2');
  mkdirSync(dir);
  mkdirSync(prefix);
  copyFileSync(BINARY, join(dir, 'medic'));
  chmodSync(join(dir, 'medic'), 0o755);
  writeFileSync(join(dir, 'medic.sha256'), `${'0'.repeat(64)}  medic\n`);
  const r = run(join(dir, 'medic'), ['self', 'install', '--prefix', prefix]);
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    `medic: ${dir}/medic does not match ${dir}/medic.sha256: build it again, or copy both again\n`,
  );
  assert.deepEqual(readdirSync(prefix), []);
});

test('self install from a checkout says what to run, exit 2, and writes nothing', () => {
  const prefix = join(work, 'prefix3');
  mkdirSync(prefix);
  const r = checkout('self', 'install', '--prefix', prefix);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.split('\n').length, 2, 'one line');
  assert.match(r.stderr, /^medic: .*npm run build, then dist\/medic self install\n$/);
  assert.deepEqual(readdirSync(prefix), []);
});
