// medic serve for real, on a free loopback port, over a store filled through the store's own API: the JSON
// of its /api is the CLI's, a bad request or an unknown incident is a clear 4xx, every answer carries the
// security headers, nothing is secret, it refuses the network without a token and asks for it with one.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Store } from '../../src/store/store.ts';
import { startDashboard } from '../../src/serve/server.ts';
import { type Fixture, makeFixture, MEDIC, SECRET, type Served, startServe } from './dashboard-fixture.ts';

let f: Fixture;
let served: Served;

before(async () => {
  f = makeFixture();
  served = await startServe(['-c', f.config, '--listen', '127.0.0.1:0'], f.dir);
});
after(async () => {
  await served?.stop();
});

const get = (path: string, init: RequestInit = {}) => fetch(new URL(path, served.url), init);
const json = async (path: string) => {
  const res = await get(path);
  assert.equal(res.status, 200, path);
  assert.equal(res.headers.get('content-type'), 'application/json', path);
  return (await res.json()) as Record<string, unknown> & { schema: number; command: string };
};
/** What the CLI prints with --format json. */
const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, [MEDIC, '--format', 'json', ...args], {
    encoding: 'utf8',
    cwd: f.dir,
  });
  return JSON.parse(r.stdout) as unknown;
};

test('it says where it listens and who may read it', () => {
  assert.match(served.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.match(served.output(), /loopback only: anyone on this machine may read it; store .*medic\.db\)/);
});

test('/api/services: every service of medic.yaml with its state, why, since when and what goes with it', async () => {
  const body = await json('/api/services');
  assert.equal(body.schema, 1);
  assert.equal(body.command, 'serve');
  const services = body['services'] as {
    name: string;
    state: string;
    reason: string;
    since: string | null;
    incident: { id: number; causeId: string } | null;
    health: { day: { samples: number; failed: number } } | null;
    restarts: number;
    release: { live: string | null };
    lastCheck: { fail: number; command: string } | null;
  }[];
  assert.deepEqual(
    services.map((s) => [s.name, s.state]),
    [
      ['flaskapp', 'down'],
      ['fastapi', 'up'],
      ['djangoapp', 'unknown'],
    ],
  );
  const [flask, fastapi] = services;
  assert.match(flask!.reason, /^health failing: HTTP 502; incident #2 open: redis_unreachable$/);
  assert.deepEqual(flask!.incident && [flask!.incident.id, flask!.incident.causeId], [
    f.openIncident,
    'redis_unreachable',
  ]);
  assert.equal(flask!.restarts, 1);
  assert.equal(flask!.release.live, '20261120T101500Z', 'the rollback put the older release back');
  assert.deepEqual(flask!.lastCheck && [flask!.lastCheck.fail, flask!.lastCheck.command], [
    1,
    'medic check flaskapp',
  ]);
  assert.ok(flask!.health && flask!.health.day.samples > 1000 && flask!.health.day.failed === 6);
  assert.equal(
    fastapi!.release.live,
    '20261122T041226Z',
    'its last deploy rolled back: the one before serves',
  );
  const health = await json('/api/services/fastapi/health');
  const samples = (health['services'] as { samples: { ok: boolean }[] }[])[0]!.samples;
  assert.ok(samples.length > 1000 && samples.every((s) => s.ok));
});

test('/api/incidents and /api/incidents/ID are what medic incidents prints', async () => {
  const list = await json('/api/incidents');
  assert.deepEqual(list, cli('incidents', '--store', f.store, '--limit', '50'));
  assert.deepEqual(
    (list['incidents'] as { id: number; state: string }[]).map((i) => [i.id, i.state]),
    [
      [f.openIncident, 'open'],
      [f.resolvedIncident, 'resolved'],
    ],
  );
  const one = await json(`/api/incidents/${f.openIncident}`);
  assert.deepEqual(one, cli('incidents', 'show', String(f.openIncident), '--store', f.store));
  const incident = (
    one['incidents'] as { diagnosis: { cause: { id: string; fix: string[] } }; timeline: unknown[] }[]
  )[0]!;
  assert.equal(incident.diagnosis.cause.id, 'redis_unreachable');
  assert.deepEqual(incident.diagnosis.cause.fix.slice(0, 2), [
    'systemctl status redis-server',
    'systemctl start redis-server',
  ]);
  const old = await json(`/api/incidents/${f.resolvedIncident}`);
  assert.deepEqual(
    (old['incidents'] as { deploys: { kind: string }[] }[])[0]!.deploys.map((d) => d.kind),
    ['rollback', 'deploy'],
    'the deploy that broke it and the rollback that fixed it',
  );
  const open = await json('/api/incidents?state=open&service=flaskapp');
  assert.deepEqual(
    (open['incidents'] as { id: number }[]).map((i) => i.id),
    [f.openIncident],
  );
});

test('/api/checks and /api/releases: the last check of each service, the deploys and how each ended', async () => {
  const checks = await json('/api/checks');
  assert.equal(checks.command, 'check');
  const runs = checks['services'] as {
    target: { service: string };
    summary: { fail: number };
    command: string;
  }[];
  assert.deepEqual(
    runs.map((r) => [r.target.service, r.summary.fail, r.command]),
    [
      ['fastapi', 0, 'medic check fastapi'],
      ['flaskapp', 1, 'medic check flaskapp'],
    ],
  );
  const releases = await json('/api/releases');
  assert.equal(releases.command, 'releases');
  assert.deepEqual(
    (releases['deploys'] as { service: string; outcome: string }[]).map((d) => [d.service, d.outcome]),
    [
      ['fastapi', 'rolled_back'],
      ['flaskapp', 'live'],
      ['flaskapp', 'live'],
    ],
  );
});

test('no secret on any page or in any JSON, though the store holds one in clear', async () => {
  for (const path of [
    '/',
    '/incidents',
    `/incidents/${f.openIncident}`,
    '/checks',
    '/releases',
    '/api/services',
    '/api/incidents',
    `/api/incidents/${f.openIncident}`,
    '/api/checks',
    '/api/releases',
  ]) {
    const res = await get(path);
    assert.equal(res.status, 200, path);
    const text = await res.text();
    assert.ok(!text.includes(SECRET), path);
  }
  const page = await (await get(`/incidents/${f.openIncident}`)).text();
  assert.match(page, /REDIS_URL=redis:\/\/:\*\*\*@127\.0\.0\.1:6379\/0/);
});

test('the pages: services, incidents open first, an incident with its diagnosis, checks, releases', async () => {
  const home = await (await get('/')).text();
  assert.match(home, /<article class="service state-down" id="service-flaskapp"/);
  assert.match(home, /<article class="service state-up" id="service-fastapi"/);
  assert.match(home, /class="chart" data-series="\{&quot;t&quot;:\[/);
  const list = await (await get('/incidents')).text();
  assert.ok(
    list.indexOf(`id="incident-${f.openIncident}"`) < list.indexOf(`id="incident-${f.resolvedIncident}"`),
  );
  const incident = await (await get(`/incidents/${f.openIncident}`)).text();
  assert.match(incident, /<dt>first failing layer<\/dt>\s*<dd>cache<\/dd>/);
  assert.match(incident, /data-copy="systemctl start redis-server"/);
  const checks = await (await get('/checks')).text();
  assert.match(checks, /data-copy="medic check flaskapp"/);
  assert.match(checks, /Never checked[\s\S]*medic check djangoapp/);
  const releases = await (await get('/releases')).text();
  assert.match(releases, /<code class="live-release">20261120T101500Z<\/code>/);
  // just the inside of <main>, for the page's live update
  const part = await (await get('/', { headers: { 'x-medic-part': 'main' } })).text();
  assert.match(part, /^<h1>Services<\/h1>/);
  assert.ok(!part.includes('<html'));
});

test('every answer, a 404 too, carries a strict CSP, no framing, nosniff and no referrer', async () => {
  for (const path of ['/', '/api/services', '/assets/app.js', '/nowhere', '/api/incidents/999']) {
    const res = await get(path);
    const h = res.headers;
    assert.match(
      h.get('content-security-policy') ?? '',
      /default-src 'none'; script-src 'self'; style-src 'self';/,
      path,
    );
    assert.match(h.get('content-security-policy') ?? '', /frame-ancestors 'none'/, path);
    assert.ok(!/unsafe-inline|unsafe-eval/.test(h.get('content-security-policy') ?? ''), path);
    assert.equal(h.get('x-frame-options'), 'DENY', path);
    assert.equal(h.get('x-content-type-options'), 'nosniff', path);
    assert.equal(h.get('referrer-policy'), 'no-referrer', path);
    await res.arrayBuffer();
  }
  const home = await (await get('/')).text();
  assert.ok(!/<script(?![^>]*\bsrc=)/.test(home), 'no inline script');
  assert.ok(!/\sstyle=|\son[a-z]+=/.test(home), 'no inline style or handler');
  const asset = await get(home.match(/src="(\/assets\/app\.js\?v=[0-9a-f]+)"/)![1]!);
  assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.equal(asset.headers.get('content-type'), 'text/javascript; charset=utf-8');
});

test('a bad request, an unknown incident, another method, an unknown page: a clear 4xx, never a stack', async () => {
  const cases: [string, RequestInit, number, RegExp][] = [
    ['/api/incidents/abc', {}, 400, /abc: an incident number, like 12/],
    ['/api/incidents/999', {}, 404, /no incident #999 in the store/],
    ['/api/incidents?limit=lots', {}, 400, /limit=lots: a whole number from 1 to 1000/],
    ['/api/incidents?state=burning', {}, 400, /state=burning: one of open, gave_up, resolved/],
    ['/api/services/nosuch/health', {}, 404, /no service nosuch here/],
    ['/api/nothing', {}, 404, /nothing at \/api\/nothing/],
    ['/api/services', { method: 'POST', body: '{}' }, 405, /read-only: POST is not answered/],
    ['/api/incidents/1', { method: 'DELETE' }, 405, /read-only: DELETE/],
  ];
  for (const [path, init, status, message] of cases) {
    const res = await get(path, init);
    assert.equal(res.status, status, path);
    assert.equal(res.headers.get('content-type'), 'application/json', path);
    const body = (await res.json()) as { error: { status: number; message: string } };
    assert.equal(body.error.status, status);
    assert.match(body.error.message, message, path);
  }
  const post = await get('/', { method: 'POST' });
  assert.equal(post.headers.get('allow'), 'GET, HEAD');
  await post.arrayBuffer();
  for (const [path, status, message] of [
    ['/incidents/abc', 400, /abc: an incident number/],
    ['/incidents/999', 404, /no incident #999 in the store/],
    ['/incidents/%E0%A4%A', 400, /an incident number/],
    ['/no/such/page', 404, /nothing at \/no\/such\/page/],
  ] as const) {
    const res = await get(path);
    assert.equal(res.status, status, path);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    const text = await res.text();
    assert.match(text, message, path);
    assert.ok(!/\bat \S+ \(|node:internal|\.ts:\d+/.test(text), `no stack trace: ${path}`);
  }
  const head = await get('/api/services', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');
});

test('a request HTTP cannot parse gets 400, and the server goes on', async () => {
  const port = Number(new URL(served.url).port);
  const answer = await new Promise<string>((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write('GET /\x00 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
    let got = '';
    s.on('data', (d) => (got += d.toString()));
    s.on('end', () => resolve(got));
    s.on('error', reject);
    s.setTimeout(5000, () => s.destroy(new Error('no answer')));
  });
  assert.match(answer, /^HTTP\/1\.1 400 Bad Request/);
  assert.equal((await get('/api/services')).status, 200);
});

test('on loopback it answers only to a loopback Host: another name cannot be rebound onto it', async () => {
  const port = Number(new URL(served.url).port);
  const answer = await new Promise<string>((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () =>
      s.write(`GET /api/services HTTP/1.1\r\nHost: evil.example:${port}\r\nConnection: close\r\n\r\n`),
    );
    let got = '';
    s.on('data', (d) => (got += d.toString()));
    s.on('end', () => resolve(got));
    s.on('error', reject);
  });
  assert.match(answer, /^HTTP\/1\.1 403/);
  assert.match(answer, /answers on loopback only, not to the host name evil\.example/);
  assert.equal((await get('/api/services', { headers: { host: `localhost:${port}` } })).status, 200);
});

test('a change in the store reaches an open event stream', async () => {
  const controller = new AbortController();
  const res = await get('/api/events', { signal: controller.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const reader = res.body!.getReader();
  let text = '';
  const read = async (until: RegExp) => {
    const deadline = Date.now() + 15_000;
    while (!until.test(text) && Date.now() < deadline) {
      const { value, done } = await Promise.race([
        reader.read(),
        sleep(500).then(() => ({ value: undefined, done: false })),
      ]);
      if (done) break;
      if (value) text += new TextDecoder().decode(value);
    }
    return until.test(text);
  };
  assert.ok(await read(/event: hello\ndata: .+\n/), text);
  const store = Store.open(f.store, { create: false });
  const i = store.openIncident({
    service: 'fastapi',
    unit: 'fastapi.service',
    trigger: 'unhealthy',
    summary: 'fastapi health failed 3 times in a row',
    startedAt: new Date().toISOString(),
    detectedAt: new Date().toISOString(),
  });
  store.addEvent(i.id, new Date().toISOString(), 'unhealthy', 'health check failed: HTTP 500');
  store.close();
  assert.ok(await read(/event: change\ndata: .+\n/), text);
  controller.abort();
  const services = (await json('/api/services'))['services'] as {
    name: string;
    incident: { id: number } | null;
  }[];
  assert.equal(services.find((s) => s.name === 'fastapi')?.incident?.id, i.id);
});

test('beyond loopback without a token it refuses to start: one line, exit 2', () => {
  const r = spawnSync(process.execPath, [MEDIC, 'serve', '-c', f.config, '--listen', '0.0.0.0:0'], {
    encoding: 'utf8',
    cwd: f.dir,
    timeout: 30_000,
  });
  assert.equal(r.status, 2);
  assert.equal(r.stdout, '');
  assert.equal(
    r.stderr,
    'medic: --listen 0.0.0.0:0 is beyond loopback: give --token-file FILE (a token readers must send), or listen on 127.0.0.1\n',
  );
});

test('with a token it serves beyond loopback, says so, and a missing or wrong token is a 401', async () => {
  const tokenFile = join(f.dir, 'dashboard.token');
  writeFileSync(tokenFile, 'tok-3f9a8c7d2e\n', { mode: 0o600 });
  const open = await startServe(['-c', f.config, '--listen', '0.0.0.0:0', '--token-file', tokenFile], f.dir);
  try {
    assert.match(open.output(), /beyond loopback: every request needs the token of .*dashboard\.token/);
    const url = `http://127.0.0.1:${new URL(open.url).port}`;
    const none = await fetch(`${url}/api/services`);
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Basic realm="medic"/);
    assert.match(((await none.json()) as { error: { message: string } }).error.message, /needs its token/);
    const wrong = await fetch(`${url}/`, { headers: { authorization: 'Bearer tok-wrong-one' } });
    assert.equal(wrong.status, 401);
    assert.match(await wrong.text(), /wrong token/);
    const bearer = await fetch(`${url}/api/services`, {
      headers: { authorization: 'Bearer tok-3f9a8c7d2e' },
    });
    assert.equal(bearer.status, 200);
    await bearer.arrayBuffer();
    const basic = await fetch(`${url}/`, {
      headers: { authorization: `Basic ${Buffer.from('me:tok-3f9a8c7d2e').toString('base64')}` },
    });
    assert.equal(basic.status, 200);
    assert.ok(!(await basic.text()).includes('tok-3f9a8c7d2e'));
  } finally {
    await open.stop();
  }
});

test("the daemon's dashboard shares its store and shows its watchers' live state", async () => {
  const store = Store.open(f.store, { create: false });
  const dashboard = await startDashboard({
    listen: '127.0.0.1:0',
    flag: '--http',
    services: [{ name: 'djangoapp', unit: 'djangoapp.service', workers: [], health: null }],
    storePath: store.path,
    store,
    live: () => ({
      phase: 'suspect',
      lastHealth: { ok: false, at: new Date().toISOString(), ms: 5000, problem: 'timeout' },
    }),
  });
  try {
    const res = await fetch(new URL('/api/services', dashboard.url));
    const [django] = ((await res.json()) as { services: { state: string; reason: string }[] }).services;
    assert.equal(django?.state, 'degraded');
    assert.equal(django?.reason, 'health failed (timeout); not an incident yet');
  } finally {
    await dashboard.close();
    store.close();
  }
});
