// The shared store's replication against a real PostgreSQL: a host's incidents, events, alerts, deploys, checks
// and health reach it keyed by (host, id); a replay ships nothing twice; PostgreSQL stopped and started again
// loses nothing; medic SIGKILLed mid-way and started again loses nothing; two hosts' ids stay apart.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { SharedStore } from '../../src/store/pg-store.ts';
import { Replicator } from '../../src/store/replicator.ts';
import { Store } from '../../src/store/store.ts';
import { type Cluster, MEDIC_PASSWORD, startCluster, tempDir } from './pg-store-cluster.ts';
import type { DaemonArgs } from './pg-store-daemon.ts';
import { waitFor } from './servers.ts';

let cluster: Cluster;
let admin: pg.Pool;

before(async () => {
  cluster = await startCluster();
  admin = new pg.Pool({ connectionString: cluster.adminUrl, max: 2 });
  admin.on('error', () => undefined);
});
after(async () => {
  await admin.end();
  cluster.remove();
});

function newStore(): Store {
  return Store.open(join(tempDir('medic-pg-store-'), 'medic.db'), { create: true });
}

function sharedStore(): SharedStore {
  return new SharedStore(cluster.url, { application: 'medic test', connectTimeoutMs: 1000 });
}

type Logged = { level: string; event: string; fields: Record<string, string | number> };

function replicatorOf(store: Store, shared: SharedStore, host: string, logged: Logged[] = []): Replicator {
  return new Replicator({
    storePath: store.path,
    shared,
    host,
    log: (level, event, fields) => logged.push({ level, event, fields }),
    intervalMs: 100,
  });
}

/** An incident as medic watch leaves it: opened, events, diagnosed, an alert queued. */
function crash(store: Store, service = 'flaskapp', at = '2026-05-20T10:00:00.000Z') {
  const i = store.openIncident({
    service,
    unit: `${service}.service`,
    trigger: 'crash',
    summary: `${service}.service exited with status 1`,
    startedAt: at,
    detectedAt: new Date(Date.parse(at) + 400).toISOString(),
  });
  store.addEvent(i.id, at, 'crash', 'ModuleNotFoundError: No module named flask_sqlalchemy');
  store.addEvent(
    i.id,
    new Date(Date.parse(at) + 900).toISOString(),
    'systemd_restart',
    'systemd restarted it',
  );
  store.update(i.id, {
    causeId: 'app.module_missing',
    causeTitle: 'a module the app imports is not installed',
    diagnosis: { layer: 'app', fix: ['pip install flask-sqlalchemy'] },
    restarts: 1,
  });
  store.enqueue({
    incidentId: i.id,
    kind: 'opened',
    notifier: 'webhook:0123456789',
    payload: { event: 'incident.opened', service, startedAt: at },
    now: new Date().toISOString(),
  });
  return i;
}

async function rows(table: string, host?: string): Promise<Record<string, unknown>[]> {
  const r = await admin.query(
    `SELECT * FROM medic.${table} ${host ? 'WHERE host = $1' : ''} ORDER BY host, id`,
    host ? [host] : [],
  );
  return r.rows as Record<string, unknown>[];
}

test("a host's incidents, events, alerts, deploys, checks and health reach PostgreSQL as the store has them", async () => {
  const store = newStore();
  const shared = sharedStore();
  const i = crash(store);
  store.recordDeploy({
    service: 'flaskapp',
    kind: 'deploy',
    release: '20260520-1000',
    previous: '20260519-0900',
    source: '/srv/flaskapp/src',
    startedAt: '2026-05-20T09:58:00.000Z',
    finishedAt: '2026-05-20T09:59:00.000Z',
    outcome: 'live',
    step: null,
    message: null,
  });
  store.recordCheckRun({
    service: 'flaskapp',
    at: '2026-05-20T09:59:30.000Z',
    command: 'medic check flaskapp',
    report: { summary: { pass: 20, warn: 1, fail: 0, skip: 2 } },
    summary: { pass: 20, warn: 1, fail: 0, skip: 2 },
  });
  store.recordHealth(
    'flaskapp',
    { at: '2026-05-20T10:00:05.000Z', ok: false, ms: 3, status: 502, problem: 'HTTP 502' },
    '2026-05-17T00:00:00.000Z',
  );
  const shipped = await replicatorOf(store, shared, 'web1').catchUp();
  assert.equal(
    shipped,
    1 + 2 + 1 + 1 + 1 + 1,
    'an incident, two events, a message, a deploy, a check, a sample',
  );

  const [incident] = await rows('incidents');
  assert.equal(incident?.['host'], 'web1');
  assert.equal(Number(incident?.['id']), i.id);
  assert.equal(incident?.['started_at'], '2026-05-20T10:00:00.000Z');
  assert.equal(incident?.['cause_id'], 'app.module_missing');
  assert.deepEqual(incident?.['diagnosis'], { layer: 'app', fix: ['pip install flask-sqlalchemy'] });
  assert.equal(incident?.['open_alerted'], false);
  assert.deepEqual(
    (await rows('events')).map((e) => [e['kind'], e['text']]),
    store.events(i.id).map((e) => [e.kind, e.text]),
  );
  const [message] = await rows('outbox');
  assert.deepEqual(message?.['payload'], {
    event: 'incident.opened',
    service: 'flaskapp',
    startedAt: '2026-05-20T10:00:00.000Z',
  });
  assert.equal((await rows('deploys'))[0]?.['release'], '20260520-1000');
  assert.equal((await rows('check_runs'))[0]?.['pass'], 20);
  assert.deepEqual(
    (await rows('health_samples')).map((s) => [s['ok'], s['status']]),
    [[false, 502]],
  );

  // changes in place (resolved, the message delivered) follow, and only they are shipped
  store.update(i.id, { state: 'resolved', resolvedAt: '2026-05-20T10:02:00.000Z' });
  store.delivered(store.outbox(i.id)[0]!.id, '2026-05-20T10:00:02.000Z');
  assert.equal(await replicatorOf(store, shared, 'web1').catchUp(), 2);
  assert.equal((await rows('incidents'))[0]?.['state'], 'resolved');
  assert.equal((await rows('outbox'))[0]?.['delivered_at'], '2026-05-20T10:00:02.000Z');
  await shared.close();
  store.close();
});

test('a replay ships nothing twice: the same rows, once each, however often they are sent', async () => {
  const store = newStore();
  const shared = sharedStore();
  for (let k = 0; k < 30; k++) crash(store, 'replayed', new Date(Date.UTC(2026, 4, 20, 11, k)).toISOString());
  const first = await replicatorOf(store, shared, 'replay').catchUp();
  assert.equal(first, 30 * 4);
  assert.equal(
    await replicatorOf(store, shared, 'replay').catchUp(),
    0,
    'a restarted medic ships nothing again',
  );
  const before = await rows('events', 'replay');
  // a database restored from an older backup: its cursors go back, and every row is sent again
  await admin.query(
    'UPDATE medic.hosts SET incidents_rev = 0, events_id = 0, outbox_rev = 0 WHERE host = $1',
    ['replay'],
  );
  assert.equal(await replicatorOf(store, shared, 'replay').catchUp(), 30 * 4);
  assert.deepEqual(await rows('events', 'replay'), before, 'the same rows, not twice as many');
  assert.equal((await rows('incidents', 'replay')).length, 30);
  await shared.close();
  store.close();
});

test('two hosts with the same local ids stay apart', async () => {
  const [a, b] = [newStore(), newStore()];
  const shared = sharedStore();
  crash(a, 'api');
  crash(b, 'api');
  await replicatorOf(a, shared, 'alpha').catchUp();
  await replicatorOf(b, shared, 'beta').catchUp();
  const list = (await rows('incidents')).filter((r) => r['service'] === 'api');
  assert.deepEqual(
    list.map((r) => [r['host'], Number(r['id'])]),
    [
      ['alpha', 1],
      ['beta', 1],
    ],
  );
  await shared.close();
  a.close();
  b.close();
});

test('two machines under one host name (a cloned server): the second ships nothing and says why, once', async () => {
  const [a, b] = [newStore(), newStore()];
  const shared = sharedStore();
  crash(a, 'shop');
  crash(b, 'shop', '2026-05-20T11:00:00.000Z');
  const first = new Replicator({
    storePath: a.path,
    shared,
    host: 'clone',
    machineId: 'a'.repeat(32),
    log: () => {},
  });
  await first.catchUp();
  const logged: Logged[] = [];
  const second = new Replicator({
    storePath: b.path,
    shared,
    host: 'clone',
    machineId: 'b'.repeat(32),
    log: (level, event, fields) => logged.push({ level, event, fields }),
    intervalMs: 100,
  });
  await assert.rejects(
    second.catchUp(),
    /another machine \(machine-id aaaaaaaaaaaa…\) ships to the shared store as clone/,
  );
  second.start();
  await new Promise((r) => setTimeout(r, 600));
  await second.stop();
  assert.deepEqual(
    logged.map((l) => l.event),
    ['shared_store_host_taken'],
  );
  // the first machine's rows, and only those, under the name
  const list = (await rows('incidents', 'clone')).map((r) => r['started_at']);
  assert.deepEqual(list, ['2026-05-20T10:00:00.000Z']);
  // the same machine again (medic restarted) ships as before
  crash(a, 'shop', '2026-05-20T12:00:00.000Z');
  await new Replicator({
    storePath: a.path,
    shared,
    host: 'clone',
    machineId: 'a'.repeat(32),
    log: () => {},
  }).catchUp();
  assert.equal((await rows('incidents', 'clone')).length, 2);
  // the first machine silent for longer than the name is held (a server reinstalled): the new one takes the
  // name, and the old one's rows stay under clone~aaaaaaaa
  await admin.query(`UPDATE medic.hosts SET shipped_at = now() - interval '11 minutes' WHERE host = 'clone'`);
  await second.catchUp();
  const byHost = (await rows('incidents')).filter((r) => String(r['host']).startsWith('clone'));
  assert.deepEqual(
    byHost.map((r) => `${r['host']} ${r['id']} ${r['started_at']}`),
    [
      'clone 1 2026-05-20T11:00:00.000Z',
      'clone~aaaaaaaa 1 2026-05-20T10:00:00.000Z',
      'clone~aaaaaaaa 2 2026-05-20T12:00:00.000Z',
    ],
  );
  const owners = await admin.query(
    `SELECT host, machine_id FROM medic.hosts WHERE host LIKE 'clone%' ORDER BY host`,
  );
  assert.deepEqual(
    owners.rows.map((r: Record<string, unknown>) => `${r['host']} ${String(r['machine_id']).slice(0, 1)}`),
    ['clone b', 'clone~aaaaaaaa a'],
  );
  await shared.close();
  a.close();
  b.close();
});

test('PostgreSQL stopped while incidents go on: one warning, then every row once it is back', async (t) => {
  const store = newStore();
  const shared = sharedStore();
  const logged: Logged[] = [];
  const replicator = replicatorOf(store, shared, 'outage', logged);
  t.after(async () => {
    cluster.start();
    await replicator.stop();
    await shared.close();
    store.close();
  });
  replicator.start();
  const first = crash(store, 'outage', '2026-05-20T12:00:00.000Z');
  const lagStart = Date.now();
  await waitFor('the first incident in PostgreSQL', async () =>
    (await rows('incidents', 'outage')).length === 1 ? true : undefined,
  );
  const lagMs = Date.now() - lagStart;
  cluster.stop('immediate');
  for (let k = 0; k < 20; k++) store.addEvent(first.id, new Date().toISOString(), 'note', `while down ${k}`);
  const second = crash(store, 'outage', '2026-05-20T12:05:00.000Z');
  store.update(first.id, { state: 'resolved', resolvedAt: '2026-05-20T12:06:00.000Z' });
  await waitFor('the warning', () =>
    logged.some((l) => l.event === 'shared_store_down') ? true : undefined,
  );
  await new Promise((r) => setTimeout(r, 1500));
  cluster.start();
  const backAt = Date.now();
  await waitFor('the rows written while it was down', async () => {
    const events = await rows('events', 'outage').catch(() => []);
    return events.length === 2 + 20 + 2 ? true : undefined;
  });
  const catchUpMs = Date.now() - backAt;
  await replicator.stop();
  const incidents = await rows('incidents', 'outage');
  assert.deepEqual(
    incidents.map((r) => [Number(r['id']), r['state']]),
    [
      [first.id, 'resolved'],
      [second.id, 'open'],
    ],
  );
  const down = logged.filter((l) => l.event === 'shared_store_down');
  assert.equal(down.length, 1, 'one warning for one outage');
  assert.ok(!JSON.stringify(logged).includes(MEDIC_PASSWORD), 'the password is never logged');
  assert.ok(!JSON.stringify(logged).includes(encodeURIComponent(MEDIC_PASSWORD)));
  assert.match(String(down[0]?.fields['store']), /^postgresql:\/\/medic:\*\*\*@127\.0\.0\.1:\d+\/medic$/);
  assert.ok(logged.some((l) => l.event === 'shared_store_back'));
  console.log(`# replication lag ${lagMs} ms; caught up ${catchUpMs} ms after PostgreSQL answered again`);
});

test('medic SIGKILLed while it ships, then started again: every row arrives, once', async (t) => {
  const store = newStore();
  const args: DaemonArgs = {
    store: store.path,
    host: 'killed',
    webhook: 'http://127.0.0.1:9/unused',
    startedAt: '',
    leaseMs: 60_000,
    alerts: false,
  };
  const start = () =>
    spawn(process.execPath, [join(import.meta.dirname, 'pg-store-daemon.ts'), JSON.stringify(args)], {
      env: { ...process.env, MEDIC_STORE_URL: cluster.url },
      stdio: 'ignore',
    });
  const incident = crash(store, 'killed');
  const first = start();
  t.after(() => first.kill('SIGKILL'));
  await waitFor('the first rows shipped', async () =>
    (await rows('events', 'killed')).length ? true : undefined,
  );
  for (let k = 0; k < 300; k++) {
    store.addEvent(incident.id, new Date().toISOString(), 'note', `line ${k}`);
    if (k % 10 === 0) store.update(incident.id, { restarts: k });
    if (k === 150) first.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 3));
  }
  // the exit of a killed child
  const exited = first.exitCode !== null || first.signalCode !== null;
  if (!exited) await new Promise((resolve) => first.once('exit', resolve));

  assert.ok((await rows('events', 'killed')).length < 2 + 300, 'killed before it shipped it all');
  const again = start();
  t.after(() => again.kill('SIGKILL'));
  const local = store.events(incident.id);
  await waitFor('every row', async () =>
    (await rows('events', 'killed')).length === local.length ? true : undefined,
  );
  again.kill('SIGTERM');
  assert.deepEqual(
    (await rows('events', 'killed')).map((e) => [Number(e['id']), e['text']]),
    local.map((e) => [e.id, e.text]).sort((a, b) => Number(a[0]) - Number(b[0])),
  );
  const [shipped] = await rows('incidents', 'killed');
  assert.equal(shipped?.['restarts'], 290, 'the last change in place, not an older one');
  store.close();
});

test('a line read from a log with a NUL in it ships, the NUL as U+FFFD', async () => {
  const store = newStore();
  const shared = sharedStore();
  const i = crash(store, 'nul');
  store.addEvent(i.id, '2026-05-20T10:00:01.000Z', 'crash', 'bad byte \u0000 here');
  await replicatorOf(store, shared, 'nul').catchUp();
  assert.ok((await rows('events', 'nul')).some((e) => e['text'] === 'bad byte \uFFFD here'));
  await shared.close();
  store.close();
});
