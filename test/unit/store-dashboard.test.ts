// What the dashboard reads from the store: health samples from medic watch and check runs from medic check,
// added by migration 2 to stores today's medic made, and written so that a check never suffers from it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WATCH_DEFAULTS } from '../../src/config/medic-yaml.ts';
import { migrate, MIGRATIONS } from '../../src/store/migrations.ts';
import { Store } from '../../src/store/store.ts';
import { ServiceWatcher } from '../../src/watch/service-watch.ts';

const storePath = () => join(mkdtempSync(join(tmpdir(), 'medic-store-')), 'medic.db');
const summary = { pass: 3, warn: 1, fail: 1, skip: 0 };

/** A store as the medic before health samples left it: schema version 1, one incident. */
function versionOneStore(): string {
  const path = storePath();
  const db = new DatabaseSync(path);
  migrate(
    db,
    MIGRATIONS.filter((m) => m.version === 1),
  );
  db.exec(`INSERT INTO incidents (service, unit, state, trigger, summary, started_at, detected_at)
    VALUES ('web', 'web.service', 'resolved', 'crash', 'web crashed', '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.200Z')`);
  db.close();
  return path;
}

test('a store made by the medic before health samples opens with its rows and takes samples', () => {
  const store = Store.open(versionOneStore(), { create: false });
  assert.equal(store.version(), MIGRATIONS.at(-1)?.version);
  assert.equal(store.incidents()[0]?.summary, 'web crashed');
  store.recordHealth(
    'web',
    { at: '2026-11-22T00:01:00.000Z', ok: true, ms: 12.4, status: 200, problem: null },
    '2026-11-19T00:00:00.000Z',
  );
  assert.deepEqual(store.healthSamples('web', '2026-11-22T00:00:00.000Z'), [
    { at: '2026-11-22T00:01:00.000Z', ok: true, ms: 12, status: 200, problem: null },
  ]);
  store.close();
});

test('a version-1 store read without migrating shows its incidents, no samples and no checks, not an error', () => {
  const path = versionOneStore();
  const store = Store.openReadOnly(path);
  assert.ok(store);
  assert.equal(store.version(), 1);
  assert.equal(store.incidents()[0]?.summary, 'web crashed');
  assert.deepEqual(store.healthSamples('web', ''), []);
  assert.deepEqual(store.lastCheckRuns(), []);
  assert.equal(store.changeMark(), '1::');
  store.close();
  assert.equal(Store.openReadOnly(join(path, '..', 'none.db')), null, 'no store: nothing, and none made');
  assert.ok(!existsSync(join(path, '..', 'none.db')));
});

test('samples older than the kept window go; the rest come back oldest first', () => {
  const store = Store.open(storePath(), { create: true });
  const at = (m: number) => new Date(Date.UTC(2026, 10, 22, 0, m)).toISOString();
  for (const m of [5, 1, 3])
    store.recordHealth('web', { at: at(m), ok: m !== 3, ms: m, status: 200, problem: null }, at(0));
  store.recordHealth('api', { at: at(2), ok: true, ms: 9, status: 200, problem: null }, at(0));
  store.recordHealth('web', { at: at(9), ok: false, ms: 5000, status: null, problem: 'timeout' }, at(4));
  assert.deepEqual(
    store.healthSamples('web', '').map((s) => [s.at.slice(11, 16), s.ok, s.problem]),
    [
      ['00:05', true, null],
      ['00:09', false, 'timeout'],
    ],
  );
  assert.equal(store.healthSamples('api', '').length, 1, "another service's samples stay");
  store.close();
});

test('check runs: the last of each service, the newest 20 kept, and each change moves the mark', () => {
  const store = Store.open(storePath(), { create: true });
  const mark0 = store.changeMark();
  for (let i = 0; i < 25; i++)
    store.recordCheckRun({
      service: 'web',
      at: `2026-11-22T00:00:${String(i).padStart(2, '0')}.000Z`,
      command: 'medic check web',
      summary,
      report: { run: i },
    });
  store.recordCheckRun({
    service: 'api',
    at: '2026-11-22T01:00:00.000Z',
    command: 'medic check api',
    summary,
    report: { run: 'a' },
  });
  assert.notEqual(store.changeMark(), mark0);
  assert.deepEqual(
    store.lastCheckRuns().map((r) => [r.service, r.report]),
    [
      ['api', { run: 'a' }],
      ['web', { run: 24 }],
    ],
  );
  const db = new DatabaseSync(store.path, { readOnly: true });
  assert.equal(db.prepare("SELECT COUNT(*) AS n FROM check_runs WHERE service = 'web'").get()?.['n'], 20);
  db.close();
  store.close();
});

test('medic check records nothing and says nothing where there is no store, or one it may not write', () => {
  const missing = storePath();
  Store.recordCheckRuns(missing, [
    { service: 'web', at: 'now', command: 'medic check web', summary, report: {} },
  ]);
  assert.ok(!existsSync(missing), 'a check never makes the store');

  const notADatabase = storePath();
  writeFileSync(notADatabase, 'this is not SQLite');
  Store.recordCheckRuns(notADatabase, [
    { service: 'web', at: 'now', command: 'medic check web', summary, report: {} },
  ]);
});

test(
  'a user who may not write the store records nothing and fails nothing',
  { skip: process.getuid?.() !== 0 && 'needs root to run as nobody' },
  () => {
    const path = storePath();
    Store.open(path, { create: true }).close();
    chmodSync(join(path, '..'), 0o755);
    chmodSync(path, 0o644);
    const script = [
      `import { Store } from ${JSON.stringify(new URL('../../src/store/store.ts', import.meta.url).pathname)};`,
      `Store.recordCheckRuns(${JSON.stringify(path)}, [{ service: 'web', at: 'now', command: 'medic check web', summary: { pass: 1, warn: 0, fail: 0, skip: 0 }, report: {} }]);`,
    ].join('\n');
    const r = spawnSync(
      'setpriv',
      [
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        process.execPath,
        '--input-type=module',
        '-e',
        script,
      ],
      {
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout + r.stderr, '');
    const store = Store.open(path, { create: false });
    assert.deepEqual(store.lastCheckRuns(), []);
    store.close();
  },
);

test('medic watch keeps one health answer per 30 s for the chart, however often it asks', async () => {
  const store = Store.open(storePath(), { create: true });
  let asked = 0;
  const watcher = new ServiceWatcher(
    {
      name: 'web',
      unit: 'web.service',
      workers: [],
      health: { url: 'http://127.0.0.1/health', status: 200 },
    },
    {
      store,
      config: { ...WATCH_DEFAULTS, interval: 20, timeout: 100 },
      now: () => new Date(),
      log: () => {},
      unitStates: async (units) => units.map(() => ({ active: 'active', sub: 'running', result: 'success' })),
      probeHealth: async () => {
        asked += 1;
        return { ok: true, at: new Date().toISOString(), ms: 7, status: 200 };
      },
      restart: async () => ({ ok: true }),
      diagnose: async () => null,
      alert: () => {},
    },
  );
  await watcher.start();
  for (let i = 0; i < 100 && asked < 5; i++) await sleep(20);
  watcher.stop();
  assert.ok(asked >= 5, `health asked ${asked} times`);
  assert.deepEqual(
    store.healthSamples('web', '').map((s) => [s.ok, s.ms, s.status]),
    [[true, 7, 200]],
  );
  store.close();
});
