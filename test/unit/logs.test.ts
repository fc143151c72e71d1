// The log layer on real output of the testbed's scenarios (test/fixtures/testbed, exported with
// `journalctl -u UNIT -o json` and pasted as `systemctl status` + `journalctl` text).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseLine } from '../../src/logs/envelope.ts';
import { eventsOfText } from '../../src/logs/read.ts';
import { type PythonError, TracebackStitcher } from '../../src/logs/traceback.ts';
import { diagnoseText } from '../../src/diagnose/offline.ts';

const env = { year: 2026 };
const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/testbed/${name}`, import.meta.url), 'utf8');

function errorsOf(text: string): PythonError[] {
  const stitcher = new TracebackStitcher();
  for (const event of eventsOfText(text, env)) stitcher.push(event);
  return stitcher.finish();
}

test('journal short lines: time, identifier, pid and message', () => {
  const e = parseLine(
    'Nov 21 20:22:13 web1 gunicorn[145]: [2026-11-21 20:22:13 +0000] [145] [INFO] Worker exiting',
    3,
    env,
  );
  assert.deepEqual(e, {
    time: '2026-11-21T20:22:13.000Z',
    source: 'journal',
    unit: 'gunicorn',
    pid: 145,
    level: 'info',
    text: '[2026-11-21 20:22:13 +0000] [145] [INFO] Worker exiting',
    line: 3,
  });
});

test('journal JSON records: unit, pid, priority and the realtime timestamp', () => {
  const first = fixture('missing_env_var.journal.json').split('\n')[0] ?? '';
  const e = parseLine(first, 1, env);
  assert.ok(e);
  assert.equal(e.source, 'journal');
  assert.equal(e.unit, 'flaskapp.service');
  assert.match(e.time ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});

test('nginx error.log and access.log lines', () => {
  const err = parseLine(
    '2026/11/21 19:46:33 [error] 1234#1234: *5 connect() to unix:/run/flaskapp/flaskapp.sock failed (2: No such file or directory) while connecting to upstream, client: 127.0.0.1, server: flask.medic.test',
    1,
    env,
  );
  assert.equal(err?.source, 'nginx-error');
  assert.equal(err?.level, 'error');
  assert.equal(err?.time, '2026-11-21T19:46:33.000Z');
  const access = parseLine(
    '127.0.0.1 - - [21/Nov/2026:19:46:33 +0000] "GET /health HTTP/1.1" 502 166 "-" "curl/7.88.1"',
    2,
    env,
  );
  assert.equal(access?.source, 'nginx-access');
  assert.equal(access?.level, 'error');
});

test('shell prompts pasted with the output are the commands typed, not log lines', () => {
  for (const [line, command] of [
    ['$ journalctl -u flaskapp -n 200 --no-pager', 'journalctl -u flaskapp -n 200 --no-pager'],
    ['root@web1:~# systemctl status flaskapp', 'systemctl status flaskapp'],
    ['(venv) $ docker compose down', 'docker compose down'],
  ] as const) {
    const e = parseLine(line, 1, env);
    assert.equal(e?.source, 'shell', line);
    assert.equal(e?.text, command, line);
  }
  // what a command typed at a prompt says is not an error of the app
  const d = diagnoseText('$ grep -i error /var/log/app.log\n$ echo "Fatal error: none"', 'shell.txt');
  assert.equal(d.firstFatal, null);
});

test('a traceback split over journal lines becomes one error with its frames (pasted and JSON alike)', () => {
  for (const name of ['missing_env_var.pasted.txt', 'missing_env_var.journal.json']) {
    const errors = errorsOf(fixture(name));
    assert.ok(errors.length >= 1, name);
    const first = errors[0] as PythonError;
    assert.equal(first.type, 'KeyError', name);
    assert.equal(first.message, "'SECRET_KEY'", name);
    assert.ok(
      first.context.some((l) => l.includes('create_app')),
      name,
    );
  }
});

test('a multi-line exception message stays with its exception', () => {
  const errors = errorsOf(fixture('postgres_stopped.pasted.txt'));
  const e = errors.find((x) => x.type === 'psycopg2.OperationalError');
  assert.ok(e, 'psycopg2.OperationalError found');
  assert.match(e.message, /Connection refused\nIs the server running on that host/);
});

test('chained exceptions keep the first cause and the final error', () => {
  const errors = errorsOf(fixture('migrations_not_applied.journal.json'));
  const e = errors.find((x) => x.chain.length > 1);
  assert.ok(e, 'a chained error');
  assert.equal(e.chain[0]?.type, 'psycopg2.errors.UndefinedColumn');
  assert.equal(e.type, 'sqlalchemy.exc.ProgrammingError');
  assert.match(e.message, /column "priority" does not exist/);
});

test('lines as bytes: split across chunks, cut when too long, the last one without a newline', async () => {
  const { Readable } = await import('node:stream');
  const { eachLine } = await import('../../src/logs/lines.ts');
  const chunks = ['first li', 'ne\nsecond\n', 'x'.repeat(50), 'y'.repeat(50), '\nthé end'].map((c) =>
    Buffer.from(c),
  );
  const lines: string[] = [];
  await eachLine(
    Readable.from(chunks),
    (data, start, end) => lines.push(data.toString('utf8', start, end)),
    64,
  );
  assert.deepEqual(lines, ['first line', 'second', 'x'.repeat(50) + 'y'.repeat(14), 'thé end']);
});

test('the envelope does not change the diagnosis: real logs re-wrapped as compose, docker -t, journal, kubectl, JSON', async () => {
  const { corpus } = await import('../../scripts/eval.ts');
  const wrappers: Record<string, (l: string, i: number) => string> = {
    'compose v1': (l) => `web_1  | ${l}`,
    'compose v2': (l) => `app-web-1  | ${l}`,
    'compose in colour': (l) => `\x1b[36mweb_1  |\x1b[0m ${l}`,
    'compose in colour, the escapes lost': (l) => `[33mapp-web-1  |[0m ${l}`,
    'docker logs -t': (l, i) => `2024-03-05T14:07:${String(10 + (i % 50)).padStart(2, '0')}.123456789Z ${l}`,
    'journal short': (l) => `Mar  5 14:07:12 web1 gunicorn[812]: ${l}`,
    'kubectl --prefix': (l) => `[pod/web-6d4b-abcde/web] ${l}`,
    'journal json': (l, i) =>
      JSON.stringify({
        __REALTIME_TIMESTAMP: String(1709647632000000 + i),
        MESSAGE: l,
        _SYSTEMD_UNIT: 'app.service',
        _PID: '812',
      }),
  };
  const changed: string[] = [];
  // the logs pasted with no envelope of their own
  for (const c of corpus().filter((x) => x.envelope === undefined || x.envelope === 'plain')) {
    const text = readFileSync(c.path, 'utf8');
    const base = diagnoseText(text, 'x').cause?.id;
    for (const [name, wrap] of Object.entries(wrappers)) {
      const wrapped = text
        .split('\n')
        .map((l, i) => (l === '' ? l : wrap(l, i)))
        .join('\n');
      const got = diagnoseText(wrapped, 'x').cause?.id;
      if (got !== base) changed.push(`${c.batch}/${c.file} as ${name}: ${base} -> ${got}`);
    }
  }
  assert.deepEqual(changed, []);
});

test('tracebacks of two containers interleaved line by line are stitched per container', () => {
  const web = [
    'Traceback (most recent call last):',
    '  File "/app/main.py", line 3, in <module>',
    '    import markdown',
    "ModuleNotFoundError: No module named 'markdown'",
  ];
  const worker = [
    'Traceback (most recent call last):',
    '  File "/usr/local/lib/python3.11/site-packages/redis/connection.py", line 264, in connect',
    '    sock = self.retry.call_with_retry(',
    'redis.exceptions.ConnectionError: Error 111 connecting to redis:6379. Connection refused.',
  ];
  const lines = web.flatMap((l, i) => [`web-1     | ${l}`, `worker-1  | ${worker[i]}`]);
  const errors = errorsOf(lines.join('\n'));
  assert.deepEqual(
    errors.map((e) => [e.event.unit, e.type, e.context.length]),
    [
      ['web', 'ModuleNotFoundError', 3],
      ['worker', 'redis.exceptions.ConnectionError', 3],
    ],
  );
  // and the diagnosis names the first of them
  assert.equal(diagnoseText(lines.join('\n'), 'compose.txt').cause?.id, 'missing_dependency');
});

test('a file read through two reused buffers gives every line once, whatever the chunk size', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { chunksOfFile, eachLine } = await import('../../src/logs/lines.ts');
  const path = `${mkdtempSync(`${tmpdir()}/medic-lines-`)}/log.txt`;
  const want = Array.from({ length: 50 }, (_, i) => `line ${i} ${'x'.repeat(i % 13)}`);
  writeFileSync(path, `${want.join('\n')}\n`);
  for (const size of [1, 7, 64, 4096]) {
    const got: string[] = [];
    await eachLine(chunksOfFile(path, size), (d, s, e) => got.push(d.toString('utf8', s, e)));
    assert.deepEqual(got, want, `chunks of ${size}`);
  }
});

test('a syslog line with a carriage return in a long field is read in linear time (a fuzz finding)', () => {
  const line = `<134>1 2026-11-21T19:46:32.003Z web1 gunicorn - ${'a'.repeat(61440)}\rID47 x`;
  const started = performance.now();
  parseLine(line, 1, env);
  assert.ok(performance.now() - started < 200, `${(performance.now() - started).toFixed(0)} ms`);
});
