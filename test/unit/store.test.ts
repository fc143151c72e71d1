// The store's versioned schema: a medic.db made by medic 0.1.0 (no version, CREATE TABLE IF NOT EXISTS)
// opens with its rows, a new one gets every migration, and one from a newer medic is a one-line error.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { UsageError } from '../../src/errors.ts';
import { migrate, MIGRATIONS, schemaVersion } from '../../src/store/migrations.ts';
import { Store } from '../../src/store/store.ts';

/** The schema medic 0.1.0 ran on every open of its store (src/watch/store.ts), word for word. */
const SCHEMA_0_1_0 = `
CREATE TABLE IF NOT EXISTS incidents (
  id INTEGER PRIMARY KEY,
  service TEXT NOT NULL,
  unit TEXT NOT NULL,
  state TEXT NOT NULL,
  trigger TEXT NOT NULL,
  summary TEXT NOT NULL,
  started_at TEXT NOT NULL,
  detected_at TEXT NOT NULL,
  recovered_at TEXT,
  resolved_at TEXT,
  restarts INTEGER NOT NULL DEFAULT 0,
  medic_restarts INTEGER NOT NULL DEFAULT 0,
  cause_id TEXT,
  cause_title TEXT,
  first_fatal TEXT,
  diagnosis TEXT,
  open_alerted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS incidents_service ON incidents (service, state);
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL REFERENCES incidents (id),
  time TEXT NOT NULL,
  kind TEXT NOT NULL,
  text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_incident ON events (incident_id, time);
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL REFERENCES incidents (id),
  kind TEXT NOT NULL,
  notifier TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at TEXT NOT NULL,
  delivered_at TEXT,
  last_error TEXT,
  UNIQUE (incident_id, kind, notifier)
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (delivered_at, next_at);
CREATE TABLE IF NOT EXISTS deploys (
  id INTEGER PRIMARY KEY,
  service TEXT NOT NULL,
  kind TEXT NOT NULL,
  release TEXT NOT NULL,
  previous TEXT,
  source TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  outcome TEXT NOT NULL,
  step TEXT,
  message TEXT
);
CREATE INDEX IF NOT EXISTS deploys_service ON deploys (service, finished_at);
`;

const LATEST = MIGRATIONS.at(-1)!.version;

function tempPath(): string {
  return join(mkdtempSync(join(tmpdir(), 'medic-store-')), 'medic.db');
}

/** A medic.db as medic 0.1.0 left it: one resolved incident with its timeline, an alert delivered, a deploy. */
function storeOf010(path: string, schema = SCHEMA_0_1_0): void {
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec(schema);
  db.exec(`
INSERT INTO incidents (service, unit, state, trigger, summary, started_at, detected_at, recovered_at, resolved_at, restarts, medic_restarts, cause_id, cause_title, first_fatal, diagnosis, open_alerted)
  VALUES ('flaskapp', 'flaskapp.service', 'resolved', 'crash', 'flaskapp.service crashed: its main process was killed by SIGKILL',
    '2026-11-22T00:50:21.622Z', '2026-11-22T00:50:21.837Z', '2026-11-22T00:50:24.100Z', '2026-11-22T00:50:28.100Z', 1, 0,
    'killed_by_signal', 'The main process was killed by a signal', 'flaskapp.service: Main process exited, code=killed, status=9/KILL', '{"cause":{"id":"killed_by_signal"}}', 1);
INSERT INTO events (incident_id, time, kind, text) VALUES
  (1, '2026-11-22T00:50:21.622Z', 'crash', 'flaskapp.service: Main process exited, code=killed, status=9/KILL'),
  (1, '2026-11-22T00:50:21.900Z', 'systemd_restart', 'flaskapp.service: Scheduled restart job, restart counter is at 1.'),
  (1, '2026-11-22T00:50:28.100Z', 'resolved', 'resolved: up and healthy for 4 s');
INSERT INTO outbox (incident_id, kind, notifier, payload, created_at, attempts, next_at, delivered_at)
  VALUES (1, 'opened', 'webhook:0123456789', '{"event":"incident.opened"}', '2026-11-22T00:50:23.000Z', 1, '2026-11-22T00:50:23.000Z', '2026-11-22T00:50:23.050Z');
`);
  if (schema.includes('deploys'))
    db.exec(`INSERT INTO deploys (service, kind, release, previous, source, started_at, finished_at, outcome)
  VALUES ('flaskapp', 'deploy', '20261122-0040', '20261121-1800', 'git:main', '2026-11-22T00:40:00.000Z', '2026-11-22T00:41:00.000Z', 'live');`);
  db.close();
}

function versionOf(path: string): number {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return schemaVersion(db);
  } finally {
    db.close();
  }
}

test('a medic.db made by medic 0.1.0 opens with all its rows, at the latest version', () => {
  const path = tempPath();
  storeOf010(path);
  assert.equal(versionOf(path), 0, 'medic 0.1.0 never set a version');
  const store = Store.open(path, { create: false });
  const incident = store.incident(1);
  assert.equal(incident?.state, 'resolved');
  assert.equal(incident?.causeId, 'killed_by_signal');
  assert.deepEqual(incident?.diagnosis, { cause: { id: 'killed_by_signal' } });
  assert.equal(incident?.openAlerted, true);
  assert.deepEqual(
    store.events(1).map((e) => e.kind),
    ['crash', 'systemd_restart', 'resolved'],
  );
  assert.equal(store.outbox(1)[0]?.deliveredAt, '2026-11-22T00:50:23.050Z');
  assert.deepEqual(
    store.deploys('flaskapp').map((d) => d.release),
    ['20261122-0040'],
  );
  store.close();
  assert.equal(versionOf(path), LATEST);
});

test('a medic.db from before deploys were recorded gets the deploys table, its rows kept', () => {
  const path = tempPath();
  const withoutDeploys = SCHEMA_0_1_0.slice(0, SCHEMA_0_1_0.indexOf('CREATE TABLE IF NOT EXISTS deploys'));
  storeOf010(path, withoutDeploys);
  const store = Store.open(path, { create: false });
  assert.equal(store.incidents().length, 1);
  assert.deepEqual(store.deploys('flaskapp'), []);
  store.close();
  assert.equal(versionOf(path), LATEST);
});

test('a new store gets every migration and works', () => {
  const path = tempPath();
  const store = Store.open(path, { create: true });
  const i = store.openIncident({
    service: 'web',
    unit: 'web.service',
    trigger: 'crash',
    summary: 's',
    startedAt: '2026-11-22T00:00:00.000Z',
    detectedAt: '2026-11-22T00:00:00.100Z',
  });
  assert.equal(store.currentIncident('web')?.id, i.id);
  store.close();
  assert.equal(versionOf(path), LATEST);
  const db = new DatabaseSync(path, { readOnly: true });
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all()
    .map((r) => r['name']);
  db.close();
  assert.deepEqual(tables, ['check_runs', 'deploys', 'events', 'health_samples', 'incidents', 'outbox']);
});

test('opening a store at the latest version again changes nothing', () => {
  const path = tempPath();
  Store.open(path, { create: true }).close();
  const db = new DatabaseSync(path);
  assert.equal(migrate(db, MIGRATIONS), LATEST, 'it was at the latest already');
  db.close();
});

test('a store from a newer medic is a one-line error that says so, and is left as it was', () => {
  const path = tempPath();
  Store.open(path, { create: true }).close();
  const db = new DatabaseSync(path);
  db.exec(`PRAGMA user_version = ${LATEST + 1}`);
  db.close();
  assert.throws(
    () => Store.open(path, { create: false }),
    (error: unknown) => {
      assert.ok(error instanceof UsageError);
      assert.equal(error.message.split('\n').length, 1);
      assert.match(
        error.message,
        new RegExp(
          `^medic's store .*medic\\.db: written by a newer medic \\(schema version ${LATEST + 1}; this medic knows up to ${LATEST}\\)`,
        ),
      );
      return true;
    },
  );
  assert.equal(versionOf(path), LATEST + 1);
});

test('a migration that fails leaves the store at the version it was, with none of the later ones', () => {
  const path = tempPath();
  const db = new DatabaseSync(path);
  const broken = [
    ...MIGRATIONS,
    { version: LATEST + 1, name: 'a column', sql: 'ALTER TABLE incidents ADD COLUMN note TEXT' },
    { version: LATEST + 2, name: 'a typo', sql: 'ALTER TABLE nowhere ADD COLUMN x TEXT' },
  ];
  assert.throws(() => migrate(db, broken), /no such table: nowhere/);
  assert.equal(schemaVersion(db), 0);
  assert.equal(
    db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'incidents'").get()?.['n'],
    0,
  );
  db.close();
});
