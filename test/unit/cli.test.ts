import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
