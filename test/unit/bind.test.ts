// One reader and one writer of binds, on the forms the servers, ss and Nginx really print.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Bind, formatBind, parseBind } from '../../src/app/bind.ts';
import { appServerOf } from '../../src/app/server.ts';
import { parseUpstreamFailure } from '../../src/causes/upstream.ts';

const tcp = (host: string, port: number): Bind => ({ kind: 'tcp', host, port });
const unix = (path: string): Bind => ({ kind: 'unix', path });

test('parseBind: what a person writes after gunicorn -b, hypercorn -b, waitress --listen', () => {
  // The forms test/unit/server.test.ts does not already read.
  const cases: [string, Bind | null][] = [
    ['unix:/run/app.sock', unix('/run/app.sock')],
    ['unix:///run/gunicorn/app.sock', unix('/run/gunicorn/app.sock')],
    ['0.0.0.0:80', tcp('0.0.0.0', 80)],
    ['[::]:8000', tcp('::', 8000)],
    [':5000', tcp('0.0.0.0', 5000)],
    ['http://127.0.0.1:8000/', tcp('127.0.0.1', 8000)],
    ['127.0.0.1:65536', null],
    ['/run/app.sock', null],
  ];
  for (const [text, bind] of cases) assert.deepEqual(parseBind(text), bind, text);
});

test('parseBind: what a running server reports, where host and port are both written', () => {
  const reported = (text: string) => parseBind(text, null, null);
  // Gunicorn's "Listening at:", Uvicorn's "running on", Flask's "Running on", ss -ltnp, netstat -tlnp.
  assert.deepEqual(reported('http://127.0.0.1:8000'), tcp('127.0.0.1', 8000));
  assert.deepEqual(reported('http://0.0.0.0:5000/'), tcp('0.0.0.0', 5000));
  assert.deepEqual(reported('unix:/run/flaskapp/gunicorn.sock'), unix('/run/flaskapp/gunicorn.sock'));
  assert.deepEqual(reported('[::]:8000'), tcp('::', 8000));
  assert.deepEqual(reported(':::8000'), tcp('::', 8000));
  assert.deepEqual(reported('*:8000'), tcp('*', 8000));
  // "Listening on port 8000" names no address.
  assert.equal(reported('port'), null);
  assert.equal(reported('8000'), null);
  assert.equal(reported('localhost'), null);
});

test('uvicorn --host/--port and --uds become binds through the same reader', () => {
  const binds = (argv: string) => appServerOf(argv.split(' '))?.binds;
  assert.deepEqual(binds('uvicorn main:app --host 0.0.0.0 --port 80'), [tcp('0.0.0.0', 80)]);
  assert.deepEqual(binds('uvicorn main:app --host ::1 --port 8001'), [tcp('::1', 8001)]);
  assert.deepEqual(binds('uvicorn main:app --uds /run/app.sock'), [unix('/run/app.sock')]);
  assert.deepEqual(binds('uvicorn main:app --fd 3'), []);
  assert.deepEqual(binds('gunicorn -b unix:/run/app.sock -b [::1]:8000 app:app'), [
    unix('/run/app.sock'),
    tcp('::1', 8000),
  ]);
});

test("Nginx's upstream in its error log: the socket without the request's URI", () => {
  const timedOut =
    '2026/11/21 20:22:14 [error] 31#31: *1 upstream timed out (110: Connection timed out) while connecting to upstream, client: 10.0.0.5, server: x, request: "GET /health HTTP/1.1", upstream: "http://unix:/run/app.sock:/health", host: "x"';
  assert.deepEqual(parseUpstreamFailure(timedOut)?.target, unix('/run/app.sock'));
  const refused =
    '2026/11/21 20:22:14 [error] 31#31: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.5, server: x, request: "GET / HTTP/1.1", upstream: "http://[::1]:8000/", host: "x"';
  assert.deepEqual(parseUpstreamFailure(refused)?.target, tcp('::1', 8000));
});

test('formatBind writes what parseBind reads back', () => {
  const binds = [unix('/run/app.sock'), tcp('127.0.0.1', 8000), tcp('0.0.0.0', 80), tcp('::1', 8000)];
  assert.deepEqual(binds.map(formatBind), [
    'unix:/run/app.sock',
    '127.0.0.1:8000',
    '0.0.0.0:80',
    '[::1]:8000',
  ]);
  for (const bind of binds) assert.deepEqual(parseBind(formatBind(bind)), bind);
});
