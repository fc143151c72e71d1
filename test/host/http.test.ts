// The one HTTP client of medic, for health probes and alert webhooks alike: a real server on loopback.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { httpGet, httpPost, postJson } from '../../src/host/http.ts';

let server: Server;
let base: string;
const received: { method?: string; headers: IncomingMessage['headers']; body: string }[] = [];

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method, headers: req.headers, body: Buffer.concat(chunks).toString() });
      if (req.url === '/hang') return;
      res.writeHead(req.url === '/broken' ? 500 : 200, { 'content-type': 'text/plain' });
      res.end(req.url === '/broken' ? 'internal error' : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

test('httpPost sends the body with its length and headers, and reads the answer', async () => {
  received.length = 0;
  const body = JSON.stringify({ event: 'crash', unit: 'flaskapp.service' });
  const r = await httpPost(`${base}/alert`, body, {
    timeoutMs: 3000,
    headers: { 'content-type': 'application/json', 'idempotency-key': 'incident-7' },
  });
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.value.status, 200);
  assert.equal(r.value.body, 'ok');
  const [got] = received;
  assert.equal(got?.method, 'POST');
  assert.equal(got?.body, body);
  assert.equal(got?.headers['content-length'], String(Buffer.byteLength(body)));
  assert.equal(got?.headers['content-type'], 'application/json');
  assert.equal(got?.headers['idempotency-key'], 'incident-7');
});

test('a 500 is an answer, not a failure: the caller judges the status', async () => {
  const r = await httpPost(`${base}/broken`, '{}', { timeoutMs: 3000 });
  assert.ok(r.ok);
  assert.equal(r.value.status, 500);
  assert.equal(r.value.body, 'internal error');
});

test('a server that never answers is a timeout at the deadline; a closed port is refused', async () => {
  const hung = await httpPost(`${base}/hang`, '{}', { timeoutMs: 300 });
  assert.equal(!hung.ok && hung.error.kind, 'timeout');
  assert.ok(hung.ms < 2000, `${hung.ms} ms`);
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const refused = await httpGet(`http://127.0.0.1:${port}/`, { timeoutMs: 3000 });
  assert.equal(!refused.ok && refused.error.kind, 'refused');
});

test('postJson, as the notifiers send alerts: 2xx resolves, anything else rejects with one line', async () => {
  received.length = 0;
  await postJson(`${base}/alert`, { incident: 7 }, { 'user-agent': 'medic-watch' }, 3000);
  assert.equal(received[0]?.body, '{"incident":7}');
  assert.equal(received[0]?.headers['content-type'], 'application/json');
  assert.equal(received[0]?.headers['user-agent'], 'medic-watch');
  await assert.rejects(postJson(`${base}/broken`, {}, {}, 3000), { message: 'HTTP 500: internal error' });
  await assert.rejects(postJson('not a url', {}, {}, 3000), { message: /not a URL/ });
});
