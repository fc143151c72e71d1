// What medic prints is safe to paste into a ticket: secrets masked, terminal escapes inert, hostile input survived.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Masker, neutralise } from '../../src/report/mask.ts';

const bin = new URL('../../bin/medic.js', import.meta.url).pathname;
const medic = (args: string[], input?: string) =>
  spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    input,
    env: { ...process.env, NO_COLOR: '1' },
  });

test('secret shapes are masked: URL passwords, NAME=value for secret names, tokens', () => {
  const m = new Masker();
  const cases: [string, string][] = [
    ['postgresql://flask:Fl4sk-DB-pw-71@127.0.0.1:5432/flask', 'Fl4sk-DB-pw-71'],
    ['redis://:hunter2hunter2@redis:6379/0', 'hunter2hunter2'],
    ['SECRET_KEY=flask-s3cret-key-6c1d0e9a', 'flask-s3cret-key-6c1d0e9a'],
    ["'PASSWORD': 'Dj4ngo-DB-pw-33',", 'Dj4ngo-DB-pw-33'],
    ['STRIPE=sk_live_51MedicTestbedFlask0000000000', 'sk_live_51MedicTestbedFlask0000000000'],
    ['Authorization: Bearer tok-fastapi-93b1c7e2f4', 'tok-fastapi-93b1c7e2f4'],
    ["SECRET_KEY = 'django-insecure-not-really-4b7e1f'", 'django-insecure-not-really-4b7e1f'],
    ['token=ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'],
    // a password with an unescaped @: libpq takes its tail for the host name
    [
      '(psycopg2.OperationalError) could not translate host name "pw-tail-8c1@db" to address: Name or service not known',
      'pw-tail-8c1',
    ],
    ["failed to resolve host 'x7-tail@db': [Errno -2] Name or service not known", 'x7-tail'],
  ];
  for (const [text, secret] of cases) {
    const out = m.text(text);
    assert.ok(!out.includes(secret), `${secret} leaked from: ${out}`);
    assert.match(out, /\*\*\*/);
  }
  // what is not a secret stays readable
  assert.equal(
    m.text('connection to server at "127.0.0.1", port 5432 failed'),
    'connection to server at "127.0.0.1", port 5432 failed',
  );
  assert.equal(
    m.text('could not translate host name "db" to address: Name or service not known'),
    'could not translate host name "db" to address: Name or service not known',
  );
  assert.equal(
    m.text('password authentication failed for user "flask"'),
    'password authentication failed for user "flask"',
  );
});

test('values from an env file are masked wherever they appear, even in a free-text line', () => {
  const m = new Masker();
  m.addEnvFile('DATABASE_URL=postgresql://u:p%40ss-w0rd@db/app\nAPI_TOKEN="plain-value-123"\nDEBUG=false\n');
  assert.equal(m.text('login with p@ss-w0rd failed'), 'login with *** failed');
  assert.equal(m.text('header plain-value-123 sent'), 'header *** sent');
  assert.equal(m.text('DEBUG is false'), 'DEBUG is false');
});

test('terminal control sequences are made visible and inert', () => {
  assert.equal(neutralise('\u001b[31mred\u001b[0m\u0007'), '\\x1b[31mred\\x1b[0m\\x07');
  assert.equal(neutralise('tab\tkept'), 'tab\tkept');
});

test('a log with secrets and escapes: no format prints either', () => {
  const log = [
    'Traceback (most recent call last):',
    '  File "/srv/app/app.py", line 3, in <module>',
    "    connect('postgresql://flask:Fl4sk-DB-pw-71@127.0.0.1/flask')",
    'psycopg2.OperationalError: connection to server at "127.0.0.1", port 5432 failed: FATAL:  password authentication failed for user "flask" \u001b]0;pwned\u0007 DSN postgresql://flask:Fl4sk-DB-pw-71@127.0.0.1/flask',
  ].join('\n');
  for (const format of ['text', 'json', 'markdown']) {
    const r = medic(['diagnose', '--log', '-', '--format', format], log);
    assert.equal(r.status, 1, r.stderr);
    assert.ok(!r.stdout.includes('Fl4sk-DB-pw-71'), `${format} leaked the password`);
    assert.ok(!r.stdout.includes('\u001b'), `${format} printed a raw escape`);
    assert.match(r.stdout, /db_auth_failed/);
  }
});

test('hostile input: binary data and a 10-million-character line are survived, with bounded memory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'medic-hostile-'));
  const binary = join(dir, 'binary.log');
  writeFileSync(binary, Buffer.from(Array.from({ length: 2_000_000 }, (_, i) => (i * 7919) % 256)));
  const long = join(dir, 'long.log');
  writeFileSync(long, `${'A'.repeat(10_000_000)}\nKeyError: 'SECRET_KEY'\n`);
  for (const file of [binary, long]) {
    const r = medic(['diagnose', '--log', file, '--format', 'json']);
    assert.ok(r.status === 0 || r.status === 1, `${file}: exit ${r.status}: ${r.stderr}`);
    assert.doesNotThrow(() => JSON.parse(r.stdout));
  }
  const out = JSON.parse(medic(['diagnose', '--log', long, '--format', 'json']).stdout);
  assert.equal(out.services[0].cause.id, 'missing_env_var');
});

test('bad input: a missing file or a directory is one line on stderr and exit 2', () => {
  for (const path of ['/nonexistent/medic.log', tmpdir()]) {
    const r = medic(['diagnose', '--log', path]);
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^medic: --log /);
  }
});
