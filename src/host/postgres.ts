import { Socket } from 'node:net';
import pg from 'pg';
import { codeOf, messageOf, probe, redactPassword, type ProbeError, type ProbeResult } from './probe.ts';

/**
 * Why PostgreSQL could not be used. `socket_missing`: the unix socket is not there (the server is
 * down); `not_found_host`: the host name does not resolve; `starting_up`: the server is starting
 * or recovering (57P03); `ssl`: the TLS negotiation failed or the server does not offer it.
 */
export type PgFailure =
  | 'refused'
  | 'socket_missing'
  | 'not_found_host'
  | 'timeout'
  | 'auth_failed'
  | 'database_missing'
  | 'too_many_connections'
  | 'starting_up'
  | 'ssl'
  | 'other';

/** `no_migration_table`: the migration tool has never run against this database. */
export type MigrationFailure = PgFailure | 'no_migration_table';

/** The server's connection slots as a non-superuser sees them: the ceiling, the part kept for superusers, the use. */
export type Connections = { max: number; reserved: number; used: number };

export type PostgresInfo = { serverVersion: string; connections: Connections | null };

export type MigrationTool = 'alembic' | 'django';

export type AppliedMigration =
  /** The rows of alembic_version: one revision per head, none when nothing is applied. */
  | { tool: 'alembic'; revisions: string[] }
  /** The newest row of django_migrations (null when the table is empty), and every row as "app.name". */
  | { tool: 'django'; latest: { app: string; name: string } | null; applied: string[] };

// Every role may read these settings and count pg_stat_activity's rows; reserved_connections is PG 16's.
const CONNECTIONS_SQL = `select current_setting('max_connections')::int as max,
  current_setting('superuser_reserved_connections')::int
    + coalesce(nullif(current_setting('reserved_connections', true), '')::int, 0) as reserved,
  (select count(*)::int from pg_stat_activity where backend_type = 'client backend') as used`;

/** Connects with the app's database URL, runs `select 1`, and reads the connection slots. */
export function probePostgres(url: string, timeoutMs: number): Promise<ProbeResult<PostgresInfo, PgFailure>> {
  return probe(
    timeoutMs,
    (signal) =>
      withClient(url, timeoutMs, signal, async (client) => {
        const result = await client.query<{ one: number; server_version: string }>(
          "select 1 as one, current_setting('server_version') as server_version",
        );
        let connections: Connections | null = null;
        try {
          connections = (await client.query<Connections>(CONNECTIONS_SQL)).rows[0] ?? null;
        } catch {
          // a pooler or an old server that cannot say: the login itself answered
        }
        return { serverVersion: result.rows[0]?.server_version ?? '', connections };
      }),
    (err) => classifyPgError(err, url),
    redactPassword(url, url),
  );
}

/** The migration state the database is at, as Alembic or Django recorded it. */
export function lastMigration(
  url: string,
  tool: MigrationTool,
  timeoutMs: number,
): Promise<ProbeResult<AppliedMigration, MigrationFailure>> {
  return probe(
    timeoutMs,
    (signal) =>
      withClient(url, timeoutMs, signal, async (client): Promise<AppliedMigration> => {
        if (tool === 'alembic') {
          const result = await client.query<{ version_num: string }>(
            'select version_num from alembic_version',
          );
          return { tool, revisions: result.rows.map((r) => r.version_num) };
        }
        const result = await client.query<{ app: string; name: string }>(
          'select app, name from django_migrations order by id',
        );
        const row = result.rows.at(-1);
        return {
          tool,
          latest: row ? { app: row.app, name: row.name } : null,
          applied: result.rows.map((r) => `${r.app}.${r.name}`),
        };
      }),
    (err): ProbeError<MigrationFailure> =>
      codeOf(err) === '42P01'
        ? { kind: 'no_migration_table', message: redactPassword(messageOf(err), url) }
        : classifyPgError(err, url),
    redactPassword(url, url),
  );
}

/** One client for one job: connected, used, and always closed, even when the deadline passed. */
async function withClient<T>(
  url: string,
  timeoutMs: number,
  signal: AbortSignal,
  job: (client: pg.Client) => Promise<T>,
): Promise<T> {
  // Our own socket, so a probe past its deadline can cut the connection whatever pg is doing.
  const socket = new Socket();
  const client = new pg.Client({
    connectionString: url,
    // so that pg_stat_activity (and whoever reads it) knows the session for medic's
    application_name: 'medic',
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
    stream: () => socket,
  });
  client.on('error', () => {}); // a server that goes away later must not crash medic
  const onAbort = () => socket.destroy();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await client.connect();
    return await job(client);
  } finally {
    signal.removeEventListener('abort', onAbort);
    await Promise.race([client.end().catch(() => {}), new Promise((r) => setTimeout(r, 1000).unref())]);
    socket.destroy();
  }
}

/**
 * Names an error of the pg client: node socket errors by code, server errors by SQLSTATE
 * (https://www.postgresql.org/docs/current/errcodes-appendix.html). With a URL, its password is
 * removed from the message.
 */
export function classifyPgError(err: unknown, url?: string): ProbeError<PgFailure> {
  const code = codeOf(err);
  const raw = messageOf(err);
  const message = url ? redactPassword(raw, url) : raw;
  const kind = pgFailureOf(code, raw);
  return {
    kind,
    message: kind === 'auth_failed' && /client password must be/.test(raw) ? NO_PASSWORD : message,
  };
}

const NO_PASSWORD = 'the server asks for a password and the database URL has none';

function pgFailureOf(code: string | undefined, message: string): PgFailure {
  switch (code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ENOENT':
      return 'socket_missing';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'not_found_host';
    case 'ETIMEDOUT':
    case '57014': // query_canceled: statement_timeout
      return 'timeout';
    case '28P01': // invalid_password
    case '28000': // invalid_authorization_specification: no pg_hba.conf entry, role missing
      return 'auth_failed';
    case '3D000': // invalid_catalog_name
      return 'database_missing';
    case '53300': // too_many_connections
      return 'too_many_connections';
    case '57P03': // cannot_connect_now
      return 'starting_up';
  }
  if (/timeout expired|connection timeout|Query read timeout/i.test(message)) return 'timeout';
  if (/client password must be/.test(message)) return 'auth_failed';
  if (/does not support SSL|SSL|self[- ]signed certificate|certificate/i.test(message)) return 'ssl';
  if (code !== undefined && /CERT|^ERR_SSL_|^ERR_TLS_|^EPROTO$/.test(code)) return 'ssl';
  return 'other';
}
