import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { colourEnabled } from '../../src/report/style.ts';

const bin = new URL('../../bin/medic.js', import.meta.url).pathname;
const version = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

function medic(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('--version prints the package version and exits 0', () => {
  const r = medic(['--version']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout.trim(), version);
});

test('--help lists the global options and exits 0', () => {
  const r = medic(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Usage: medic/);
  for (const option of ['--format', '--no-color', '--debug', '--version'])
    assert.ok(r.stdout.includes(option), option);
});

test('an unknown format is a usage error: one line on stderr, exit 2, no stack trace', () => {
  const r = medic(['--format', 'xml']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /^medic: .*'xml' is invalid/);
  assert.doesNotMatch(r.stderr, /\s+at .*\.ts:\d+/);
});

test('an unknown command or option is a usage error with exit 2', () => {
  assert.equal(medic(['frobnicate']).code, 2);
  const r = medic(['--verbose']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^medic: unknown option '--verbose'/);
});

test('colour only on a terminal, and never with NO_COLOR or --no-color', () => {
  const tty = { isTTY: true } as NodeJS.WriteStream;
  const pipe = { isTTY: false } as NodeJS.WriteStream;
  assert.equal(colourEnabled(tty, {}, false), true);
  assert.equal(colourEnabled(pipe, {}, false), false);
  assert.equal(colourEnabled(tty, { NO_COLOR: '1' }, false), false);
  assert.equal(colourEnabled(tty, { NO_COLOR: '' }, false), true);
  assert.equal(colourEnabled(tty, {}, true), false);
});

test('watch --check validates medic.yaml and notify without starting anything; a missing ${NAME} is one line and exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'medic-check-'));
  const file = join(dir, 'medic.yaml');
  writeFileSync(
    file,
    'version: 1\nservices:\n  web:\n    unit: web\n    workers: [web-celery]\n    health:\n      url: http://127.0.0.1:8000/health\nnotify:\n  slack: ${MEDIC_TEST_SLACK}\nwatch:\n  store: ' +
      join(dir, 'medic.db') +
      '\n',
  );
  const missing = medic(['watch', '-c', file, '--check'], { MEDIC_TEST_SLACK: '' });
  assert.equal(missing.code, 2);
  assert.equal(
    missing.stderr,
    "medic: notify.slack[0]: ${MEDIC_TEST_SLACK} is not set in medic's environment\n",
  );
  const secret = 'https://hooks.example.com/services/T000/B000/Xsecretpart';
  const ok = medic(['--format', 'json', 'watch', '-c', file, '--check'], { MEDIC_TEST_SLACK: secret });
  assert.equal(ok.code, 0, ok.stderr);
  const plan = JSON.parse(ok.stdout) as { services: { units: string[] }[]; notify: string[]; store: string };
  assert.deepEqual(plan.services[0]?.units, ['web.service', 'web-celery.service']);
  assert.deepEqual(plan.notify, ['slack hooks.example.com']);
  assert.ok(!ok.stdout.includes('Xsecretpart'), 'the webhook URL is a secret');
  assert.ok(!existsSync(join(dir, 'medic.db')), '--check creates no store');
  rmSync(dir, { recursive: true });
});

test('a reader that stops early (| head -1): medic ends quietly, no stack trace', () => {
  const r = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" diagnose --help | head -1`], {
    encoding: 'utf8',
  });
  assert.match(r.stdout, /^Usage: medic diagnose/);
  assert.equal(r.stderr, '');
});
