// The store's schema, one numbered migration at a time: PRAGMA user_version says which have run. The ones
// missing run in one transaction with the version they raise it to, so a failure leaves the store as it was.
import type { DatabaseSync } from 'node:sqlite';

export interface Migration {
  version: number;
  /** What it changes, in a few words. */
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'incidents, their events, the outbox and deploys',
    // IF NOT EXISTS: medic 0.1.0 made these tables without a version (0) and some of its stores lack deploys
    sql: `
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
`,
  },
  {
    version: 2,
    name: 'health samples and check runs, for the dashboard',
    sql: `
CREATE TABLE health_samples (
  id INTEGER PRIMARY KEY,
  service TEXT NOT NULL,
  at TEXT NOT NULL,
  ok INTEGER NOT NULL,
  ms INTEGER NOT NULL,
  status INTEGER,
  problem TEXT
);
CREATE INDEX health_samples_service ON health_samples (service, at);
CREATE TABLE check_runs (
  id INTEGER PRIMARY KEY,
  service TEXT NOT NULL,
  at TEXT NOT NULL,
  command TEXT NOT NULL,
  pass INTEGER NOT NULL,
  warn INTEGER NOT NULL,
  fail INTEGER NOT NULL,
  skip INTEGER NOT NULL,
  report TEXT NOT NULL
);
CREATE INDEX check_runs_service ON check_runs (service, id);
`,
  },
  {
    version: 3,
    name: 'a revision on incidents and outbox rows, for the shared store',
    // Rows updated in place get the next revision on every change: the shared store's replicator ships
    // what changed since the revision it last shipped. Triggers, so that no writer can forget it.
    sql: revisionSql('incidents') + revisionSql('outbox'),
  },
];

/** A rev column on `table` that takes the table's next revision whenever a row is added or changed. */
function revisionSql(table: string): string {
  return `
ALTER TABLE ${table} ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
UPDATE ${table} SET rev = id;
CREATE INDEX ${table}_rev ON ${table} (rev);
CREATE TRIGGER ${table}_rev_insert AFTER INSERT ON ${table} BEGIN
  UPDATE ${table} SET rev = (SELECT MAX(rev) FROM ${table}) + 1 WHERE id = NEW.id;
END;
CREATE TRIGGER ${table}_rev_update AFTER UPDATE ON ${table} WHEN NEW.rev = OLD.rev BEGIN
  UPDATE ${table} SET rev = (SELECT MAX(rev) FROM ${table}) + 1 WHERE id = NEW.id;
END;
`;
}

/** The store was written by a medic that knows more migrations than this one. */
export class NewerStore extends Error {
  override name = 'NewerStore';
}

export function schemaVersion(db: DatabaseSync): number {
  const row = db.prepare('PRAGMA user_version').get() as { user_version: number } | undefined;
  return Number(row?.user_version ?? 0);
}

/** Brings the store up to the last migration; returns the version it was at. */
export function migrate(db: DatabaseSync, migrations: readonly Migration[]): number {
  const latest = migrations.at(-1)?.version ?? 0;
  const at = schemaVersion(db);
  if (at > latest) throw newer(at, latest);
  if (at === latest) return at;
  db.exec('BEGIN IMMEDIATE');
  try {
    // read again under the write lock: another medic may have migrated it in between
    const from = schemaVersion(db);
    if (from > latest) throw newer(from, latest);
    for (const m of migrations) if (m.version > from) db.exec(m.sql);
    db.exec(`PRAGMA user_version = ${latest}`);
    db.exec('COMMIT');
    return from;
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}

function newer(at: number, latest: number): NewerStore {
  return new NewerStore(
    `written by a newer medic (schema version ${at}; this medic knows up to ${latest}): upgrade medic to read it`,
  );
}
