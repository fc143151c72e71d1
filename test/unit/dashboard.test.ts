// The dashboard's pure parts: a service's state from what systemd, the store and health say; the pages a
// service and an incident render to (escaped, masked, the fix as commands to copy); who may read it.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { UnitFacts } from '../../src/host/systemctl.ts';
import type { HealthSample, Incident } from '../../src/store/store.ts';
import { Store } from '../../src/store/store.ts';
import { stateOf, type StateInput } from '../../src/serve/state.ts';
import { checksData, incidentDetail, latencySeries, type ServiceView } from '../../src/serve/data.ts';
import { checksMain, incidentMain, serviceCard } from '../../src/serve/pages.ts';
import { authorized, credentialsOf, hostOfHeader, isLoopback, parseListen } from '../../src/serve/access.ts';
import { checkReport, makeFixture, REDIS_DIAGNOSIS, SECRET } from '../host/dashboard-fixture.ts';

const NOW = Date.parse('2026-11-22T12:00:00.000Z');
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();
const running: UnitFacts = {
  active: 'active',
  sub: 'running',
  result: 'success',
  since: ago(7200),
  activeSince: ago(7200),
  restarts: 0,
  workdir: '/srv/web',
};
const failed: UnitFacts = {
  ...running,
  active: 'failed',
  sub: 'failed',
  result: 'exit-code',
  since: ago(90),
};
const ok = (s: number, ms = 20): HealthSample => ({ at: ago(s), ok: true, ms, status: 200, problem: null });
const bad = (s: number): HealthSample => ({ at: ago(s), ok: false, ms: 3, status: 502, problem: 'HTTP 502' });
const incident = (over: Partial<Incident> = {}): Incident => ({
  id: 7,
  service: 'web',
  unit: 'web.service',
  state: 'open',
  trigger: 'crash',
  summary: 'web.service crashed: its main process exited with status 3',
  startedAt: ago(300),
  detectedAt: ago(299),
  recoveredAt: null,
  resolvedAt: null,
  restarts: 2,
  medicRestarts: 0,
  causeId: 'redis_unreachable',
  causeTitle: 'The app (or its worker) cannot reach Redis',
  firstFatal: null,
  diagnosis: null,
  openAlerted: true,
  ...over,
});
const input = (over: Partial<StateInput>): StateInput => ({
  unit: running,
  workers: [],
  unitName: 'web.service',
  incident: null,
  lastResolved: null,
  health: ok(5),
  healthSince: ago(3600),
  phase: null,
  now: NOW,
  ...over,
});

test('a service is up, degraded, down or unknown, with why and since when', () => {
  const cases: [string, Partial<StateInput>, string, RegExp, string | null][] = [
    ['running and healthy', {}, 'up', /^health OK \(HTTP 200 in 20 ms\)$/, ago(7200)],
    [
      'up since the last incident resolved, when that is later than the unit start',
      { lastResolved: incident({ state: 'resolved', resolvedAt: ago(600) }) },
      'up',
      /health OK/,
      ago(600),
    ],
    ['the unit failed', { unit: failed }, 'down', /^web\.service failed \(failed\)$/, ago(90)],
    [
      'the unit failed during an incident: since the incident started',
      { unit: failed, incident: incident() },
      'down',
      /^web\.service failed \(failed\); incident #7 open: redis_unreachable$/,
      ago(300),
    ],
    [
      'health fails while the unit runs',
      { health: bad(5), healthSince: ago(40) },
      'down',
      /^health failing: HTTP 502$/,
      ago(40),
    ],
    [
      'running and answering while the incident is open: recovering',
      { incident: incident() },
      'degraded',
      /^incident #7 open: redis_unreachable; health OK again \(20 ms\)$/,
      ago(300),
    ],
    [
      'given up on, and still failing',
      { incident: incident({ state: 'gave_up' }), health: bad(5) },
      'down',
      /given up on \(a human is needed\)/,
      ago(300),
    ],
    [
      'no systemd and no health answer, but an incident open',
      { unit: null, health: null, incident: incident() },
      'down',
      /^incident #7 open/,
      ago(300),
    ],
    [
      "the daemon's machine is in its restart back-off",
      { incident: incident(), phase: 'restarting' },
      'down',
      /^incident #7 open: redis_unreachable$/,
      ago(300),
    ],
    [
      'one failed answer, not an incident yet (the daemon says suspect)',
      { health: bad(5), healthSince: ago(5), phase: 'suspect' },
      'degraded',
      /not an incident yet/,
      ago(5),
    ],
    [
      'a worker unit failed',
      { workers: [{ unit: 'web-celery.service', facts: failed }] },
      'degraded',
      /^worker web-celery\.service failed/,
      ago(90),
    ],
    [
      'an answer older than ten minutes says nothing',
      { unit: null, health: ok(3600) },
      'unknown',
      /no unit state/,
      null,
    ],
    ['no health URL: systemd alone', { health: null }, 'up', /^web\.service active \(running\)$/, ago(7200)],
  ];
  for (const [name, over, state, reason, since] of cases) {
    const v = stateOf(input(over));
    assert.equal(v.state, state, name);
    assert.match(v.reason, reason, name);
    assert.equal(v.since, since, name);
  }
});

test('the chart and the day in numbers, summed up by the store: one point per 5 minutes, failures apart', () => {
  const store = Store.open(join(mkdtempSync(join(tmpdir(), 'medic-chart-')), 'medic.db'), { create: true });
  const from = Date.parse('2026-11-22T00:00:00.000Z');
  const at = (m: number) => new Date(from + m * 60_000).toISOString();
  for (const [m, ok, ms] of [
    [1, true, 10],
    [2, true, 30],
    [6, false, 5000],
    [7, true, 12],
    [11, true, 7],
    [12, true, 8],
  ] as const)
    store.recordHealth(
      'web',
      { at: at(m), ok, ms, status: ok ? 200 : null, problem: ok ? null : 'timeout' },
      at(0),
    );
  const day = store.healthSummary('web', at(0), 300_000);
  store.close();
  assert.deepEqual(
    { ...day, buckets: undefined },
    {
      samples: 6,
      failed: 1,
      medianMs: 10,
      maxMs: 30,
      last: { at: at(12), ok: true, ms: 8, status: 200, problem: null },
      runSince: at(7),
      buckets: undefined,
    },
  );
  const s = latencySeries(day.buckets, from, from + 15 * 60_000 - 1);
  assert.deepEqual(
    s.t,
    [0, 300, 600].map((x) => from / 1000 + x),
  );
  assert.deepEqual(s.ms, [20, 12, 8]);
  assert.deepEqual(s.failed, [null, 5000, null]);
  assert.equal(
    latencySeries([], NOW - 86_400_000, NOW).t.length,
    289,
    'a day is 288 buckets and the one now',
  );
});

const view: ServiceView = {
  name: 'flaskapp',
  unit: 'flaskapp.service',
  workers: ['flaskapp-celery.service'],
  state: 'down',
  reason: 'health failing: HTTP 502; incident #2 open: redis_unreachable',
  since: ago(360),
  systemd: null,
  health: {
    url: 'http://flask.medic.test/health',
    last: bad(5),
    day: { samples: 1440, failed: 6, medianMs: 29, maxMs: 45 },
    chart: { t: [1, 2], ms: [20, null], failed: [null, 3] },
  },
  restarts: 9,
  incident: {
    id: 2,
    state: 'open',
    trigger: 'crash',
    summary: '<script>alert(1)</script> crashed',
    startedAt: ago(360),
    causeId: 'redis_unreachable',
    causeTitle: 'The app (or its worker) cannot reach Redis',
    openAlerted: true,
  },
  release: { live: '20261120T101500Z', lastDeploy: null },
  lastCheck: { at: ago(180), command: 'medic check flaskapp', pass: 35, warn: 0, fail: 1, skip: 5 },
};

test('a service card: its state, why, since when, the chart data, restarts, the live release, the last check', () => {
  const html = String(serviceCard(view, NOW));
  assert.match(html, /<article class="service state-down" id="service-flaskapp" data-state="down">/);
  assert.match(html, /<span class="badge badge-down">down<\/span>/);
  assert.match(html, /health failing: HTTP 502; incident #2 open: redis_unreachable/);
  assert.match(
    html,
    /since <time datetime="2026-11-22T11:54:00.000Z"[^>]*>2026-11-22 11:54:00 UTC<\/time>\s*<span class="dim">\(6 min ago\)/,
  );
  assert.match(
    html,
    /<a href="\/incidents\/2">incident #2<\/a>\s*<span class="cause">redis_unreachable<\/span>/,
  );
  assert.match(
    html,
    /data-series="\{&quot;t&quot;:\[1,2\],&quot;ms&quot;:\[20,null\],&quot;failed&quot;:\[null,3\]\}"/,
  );
  assert.match(html, /median 29 ms · max 45 ms · 6 failed of 1440/);
  assert.match(html, /<dt>restarts, 24 h<\/dt>\s*<dd>\s*9\s*<\/dd>/);
  assert.match(html, /<dt>live release<\/dt>\s*<dd>\s*20261120T101500Z\s*<\/dd>/);
  assert.match(
    html,
    /35 pass<\/span> ·\s*<span class="count-warn">0 warn<\/span> ·\s*<span class="count-fail">1 fail/,
  );
  assert.match(html, /flaskapp\.service \+ flaskapp-celery\.service/);
});

test("an incident's card says whether its diagnosis is still running or found no cause", () => {
  const incident = { ...view.incident!, causeId: null, causeTitle: null };
  const running = String(serviceCard({ ...view, incident: { ...incident, openAlerted: false } }, NOW));
  assert.match(running, /incident #2<\/a>\s*<span class="dim">diagnosis pending<\/span>/);
  const done = String(serviceCard({ ...view, incident }, NOW));
  assert.match(
    done,
    /incident #2<\/a>\s*<span class="dim">no cause found: the incident has the evidence<\/span>/,
  );
});

test('text from the store is escaped, never markup', () => {
  const html = String(serviceCard(view, NOW));
  assert.ok(!html.includes('<script>'), html);
  const incidentPage = String(
    incidentMain(
      {
        ...incident({ summary: '<img src=x onerror=alert(1)>', diagnosis: null }),
        timeToDetectMs: 200,
        timeToRecoverMs: null,
        timeline: [{ time: ago(300), kind: 'crash', text: '"><script>x</script>' }],
        alerts: [],
        deploys: [],
      },
      NOW,
    ),
  );
  assert.ok(!incidentPage.includes('<img'), incidentPage);
  assert.ok(!incidentPage.includes('<script>'), incidentPage);
  assert.match(incidentPage, /&quot;&gt;&lt;script&gt;x&lt;\/script&gt;/);
});

test('an incident with its diagnosis: first failing layer, first fatal line, cause, evidence, the fix to copy', async () => {
  const f = makeFixture(NOW);
  const store = Store.open(f.store, { create: false });
  const detail = await incidentDetail(store, f.openIncident);
  store.close();
  assert.ok(detail);
  const html = String(incidentMain(detail, NOW));
  assert.match(html, /<h1>Incident #2 · flaskapp <span class="badge badge-down">open<\/span><\/h1>/);
  assert.match(html, /<dt>first failing layer<\/dt>\s*<dd>cache<\/dd>/);
  assert.match(
    html,
    /<span class="cause">redis_unreachable<\/span> The app \(or its worker\) cannot reach Redis\s*<span class="dim">\(high confidence\)/,
  );
  assert.match(
    html,
    /<pre class="fatal">redis\.exceptions\.ConnectionError: Error 111 connecting to 127\.0\.0\.1:6379\. Connection refused\.<\/pre>/,
  );
  // each command with its copy button; the note is shown, not copied; "copy all" takes the commands only
  assert.match(
    html,
    /<code>\$ systemctl start redis-server<\/code><button type="button" class="copy" data-copy="systemctl start redis-server">copy<\/button>/,
  );
  assert.match(html, /<div class="cmd note"><code># then medic restarts/);
  assert.match(html, /data-copy="systemctl status redis-server\nsystemctl start redis-server">\s*copy all 2/);
  assert.match(html, /<li><code>journal flaskapp\.service: redis\.exceptions\.ConnectionError/);
  assert.match(html, /<tr class="event-diagnosis">/);
  assert.match(html, /medic incidents show 2/);
});

test('secrets are masked on the page, even in a record written before masking', async () => {
  const f = makeFixture(NOW);
  const store = Store.open(f.store, { create: false });
  const detail = await incidentDetail(store, f.openIncident);
  store.close();
  assert.ok(JSON.stringify(REDIS_DIAGNOSIS).includes(SECRET), 'the fixture stored the secret in clear');
  const page = String(incidentMain(detail!, NOW));
  assert.ok(!page.includes(SECRET), 'incident page');
  assert.match(page, /REDIS_URL=redis:\/\/:\*\*\*@127\.0\.0\.1:6379\/0/);
  const reopened = Store.openReadOnly(f.store);
  const checks = String(checksMain(await checksData(reopened), ['flaskapp', 'fastapi'], NOW));
  reopened?.close();
  assert.ok(JSON.stringify(checkReport('flaskapp', true)).includes(SECRET));
  assert.ok(!checks.includes(SECRET), 'checks page');
  assert.match(checks, /REDIS_URL=redis:\/\/:\*\*\*@127\.0\.0\.1:6379\/0/);
  assert.match(checks, /<code>cache\.redis_reachable<\/code>/);
});

test('listen addresses, loopback, and the token as bearer or basic-auth password', () => {
  assert.deepEqual(parseListen('127.0.0.1:9180', '--listen'), { host: '127.0.0.1', port: 9180 });
  assert.deepEqual(parseListen('[::1]:0', '--listen'), { host: '::1', port: 0 });
  assert.deepEqual(parseListen(':9180', '--listen'), { host: '127.0.0.1', port: 9180 });
  assert.throws(() => parseListen('9180', '--listen'), /--listen 9180: give HOST:PORT/);
  assert.throws(() => parseListen('host:99999', '--http'), /--http host:99999/);
  for (const h of ['127.0.0.1', '127.3.2.1', 'localhost', '::1', 'app.localhost'])
    assert.ok(isLoopback(h), h);
  for (const h of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'example.com', '128.0.0.1'])
    assert.ok(!isLoopback(h), h);
  assert.equal(hostOfHeader('127.0.0.1:9180'), '127.0.0.1');
  assert.equal(hostOfHeader('[::1]:9180'), '::1');
  assert.equal(hostOfHeader('evil.example'), 'evil.example');

  const token = credentialsOf('# the dashboard\nsecret-token-123\n', 'f');
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  assert.ok(authorized('Bearer secret-token-123', token));
  assert.ok(authorized(`Basic ${b64('anyone:secret-token-123')}`, token));
  assert.ok(!authorized('Bearer secret-token-124', token));
  assert.ok(!authorized(`Basic ${b64('anyone:wrong')}`, token));
  assert.ok(!authorized(undefined, token));
  const pair = credentialsOf('ops:correct horse battery', 'f');
  assert.ok(authorized(`Basic ${b64('ops:correct horse battery')}`, pair));
  assert.ok(!authorized(`Basic ${b64('root:correct horse battery')}`, pair), 'the user must match');
  assert.throws(
    () => credentialsOf('\nshort\n', '/etc/medic/token'),
    /--token-file \/etc\/medic\/token: put a token of at least 8/,
  );
});
