// The shared store's schema in PostgreSQL, one numbered migration at a time, in a schema of its own ("medic")
// so that it never meets an app's tables. medic.migrations says which have run; the missing ones run in one
// transaction under an advisory lock, so daemons starting together migrate it once.
import type pg from 'pg';

export interface PgMigration {
  version: number;
  name: string;
  sql: string;
}

// Every row shipped from a host's SQLite store keeps that store's id: (host, id) is its key. Times stay the
// ISO 8601 text the journal and medic wrote, so that they read back (and sort) exactly as they were.
export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: "every host's incidents, events, alerts, deploys, checks and health; alert claims",
    sql: `
CREATE TABLE medic.hosts (
  host text PRIMARY KEY,
  incidents_rev bigint NOT NULL DEFAULT 0,
  events_id bigint NOT NULL DEFAULT 0,
  outbox_rev bigint NOT NULL DEFAULT 0,
  deploys_id bigint NOT NULL DEFAULT 0,
  check_runs_id bigint NOT NULL DEFAULT 0,
  health_samples_id bigint NOT NULL DEFAULT 0,
  shipped_at timestamptz,
  services json
);
CREATE TABLE medic.incidents (
  host text NOT NULL,
  id bigint NOT NULL,
  rev bigint NOT NULL,
  service text NOT NULL,
  unit text NOT NULL,
  state text NOT NULL,
  trigger text NOT NULL,
  summary text NOT NULL,
  started_at text NOT NULL,
  detected_at text NOT NULL,
  recovered_at text,
  resolved_at text,
  restarts integer NOT NULL,
  medic_restarts integer NOT NULL,
  cause_id text,
  cause_title text,
  first_fatal text,
  diagnosis json,
  open_alerted boolean NOT NULL,
  PRIMARY KEY (host, id)
);
CREATE INDEX incidents_detected ON medic.incidents (detected_at DESC);
CREATE INDEX incidents_service ON medic.incidents (service, started_at);
CREATE TABLE medic.events (
  host text NOT NULL,
  id bigint NOT NULL,
  incident_id bigint NOT NULL,
  time text NOT NULL,
  kind text NOT NULL,
  text text NOT NULL,
  PRIMARY KEY (host, id)
);
CREATE INDEX events_incident ON medic.events (host, incident_id, time);
CREATE TABLE medic.outbox (
  host text NOT NULL,
  id bigint NOT NULL,
  rev bigint NOT NULL,
  incident_id bigint NOT NULL,
  kind text NOT NULL,
  notifier text NOT NULL,
  payload json NOT NULL,
  created_at text NOT NULL,
  attempts integer NOT NULL,
  next_at text NOT NULL,
  delivered_at text,
  last_error text,
  PRIMARY KEY (host, id)
);
CREATE INDEX outbox_incident ON medic.outbox (host, incident_id);
CREATE TABLE medic.deploys (
  host text NOT NULL,
  id bigint NOT NULL,
  service text NOT NULL,
  kind text NOT NULL,
  release text NOT NULL,
  previous text,
  source text NOT NULL,
  started_at text NOT NULL,
  finished_at text NOT NULL,
  outcome text NOT NULL,
  step text,
  message text,
  PRIMARY KEY (host, id)
);
CREATE INDEX deploys_service ON medic.deploys (service, finished_at);
CREATE TABLE medic.check_runs (
  host text NOT NULL,
  id bigint NOT NULL,
  service text NOT NULL,
  at text NOT NULL,
  command text NOT NULL,
  pass integer NOT NULL,
  warn integer NOT NULL,
  fail integer NOT NULL,
  skip integer NOT NULL,
  report json NOT NULL,
  PRIMARY KEY (host, id)
);
CREATE INDEX check_runs_service ON medic.check_runs (host, service, id);
CREATE TABLE medic.health_samples (
  host text NOT NULL,
  id bigint NOT NULL,
  service text NOT NULL,
  at text NOT NULL,
  ok boolean NOT NULL,
  ms integer NOT NULL,
  status integer,
  problem text,
  PRIMARY KEY (host, id)
);
CREATE INDEX health_samples_service ON medic.health_samples (host, service, id);
CREATE TABLE medic.alert_claims (
  key text PRIMARY KEY,
  service text NOT NULL,
  unit text NOT NULL,
  started_at text NOT NULL,
  kind text NOT NULL,
  notifier text NOT NULL,
  holder text NOT NULL,
  lease_until timestamptz NOT NULL,
  claimed_at timestamptz NOT NULL DEFAULT now(),
  takeovers integer NOT NULL DEFAULT 0,
  delivered_at timestamptz,
  delivered_by text
);
`,
  },
  {
    version: 2,
    name: 'one page for a failure two hosts see through the same address',
    sql: `
ALTER TABLE medic.alert_claims ADD COLUMN through text;
CREATE INDEX alert_claims_through ON medic.alert_claims (service, through, kind, notifier, started_at)
  WHERE through IS NOT NULL;
-- a host's incident that is the same failure as another host's (same service, seen through the same address,
-- started within minutes): its alerts are claimed under the first one's name
CREATE TABLE medic.alert_twins (
  holder text NOT NULL,
  service text NOT NULL,
  unit text NOT NULL,
  started_at text NOT NULL,
  notifier text NOT NULL,
  twin_unit text NOT NULL,
  twin_started_at text NOT NULL,
  PRIMARY KEY (holder, service, unit, started_at, notifier)
);
`,
  },
  {
    version: 3,
    name: 'the machine that ships as each host',
    sql: `
ALTER TABLE medic.hosts ADD COLUMN machine_id text;
`,
  },
];

/** The shared store was written by a medic that knows more migrations than this one. */
export class NewerSharedStore extends Error {
  override name = 'NewerSharedStore';
}

// any constant both sides agree on: it only serialises medic's own migrations
const MIGRATION_LOCK = 0x6d65646963;

/** The version the shared store's schema is at: 0 when medic never wrote to this database. */
export async function pgSchemaVersion(client: pg.ClientBase): Promise<number> {
  const table = await client.query<{ t: string | null }>("SELECT to_regclass('medic.migrations')::text AS t");
  if (!table.rows[0]?.t) return 0;
  const r = await client.query<{ v: number | null }>('SELECT MAX(version) AS v FROM medic.migrations');
  return Number(r.rows[0]?.v ?? 0);
}

/** Brings the shared store up to the last migration; returns the version it was at. */
export async function migratePg(
  client: pg.ClientBase,
  migrations: readonly PgMigration[] = PG_MIGRATIONS,
): Promise<number> {
  const latest = migrations.at(-1)?.version ?? 0;
  const at = await pgSchemaVersion(client);
  if (at > latest) throw newer(at, latest);
  if (at === latest) return at;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE SCHEMA IF NOT EXISTS medic');
    await client.query(
      `CREATE TABLE IF NOT EXISTS medic.migrations (
         version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    // read again under the lock: another daemon may have migrated it in between
    const from = await pgSchemaVersion(client);
    if (from > latest) throw newer(from, latest);
    for (const m of migrations)
      if (m.version > from) {
        await client.query(m.sql);
        await client.query('INSERT INTO medic.migrations (version, name) VALUES ($1, $2)', [
          m.version,
          m.name,
        ]);
      }
    await client.query('COMMIT');
    return from;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

function newer(at: number, latest: number): NewerSharedStore {
  return new NewerSharedStore(
    `written by a newer medic (schema version ${at}; this medic knows up to ${latest}): upgrade medic`,
  );
}
