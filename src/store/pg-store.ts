// The connection to the shared store: a small pool with short timeouts, so that a PostgreSQL that is down or
// slow costs medic a few seconds and a warning, never its watching. The schema is brought up to date on first
// use, and again after a failure. Errors come out as one line with the URL's password masked.
import pg from 'pg';
import { Masker } from '../report/mask.ts';
import { migratePg, PG_MIGRATIONS, pgSchemaVersion } from './pg-schema.ts';
import { maskedStoreUrl } from './pg-url.ts';

export interface SharedStoreOptions {
  /** Shown in pg_stat_activity: who holds a connection. */
  application: string;
  connectTimeoutMs?: number;
  /** A statement slower than this is cancelled by the server, and the call fails. */
  queryTimeoutMs?: number;
  /** At most this many connections. */
  max?: number;
  /** false: read only what is there (medic serve, medic incidents), never create or migrate the schema. */
  migrate?: boolean;
}

export class SharedStore {
  /** The URL as medic prints it. */
  readonly shown: string;
  private readonly pool: pg.Pool;
  private readonly masker = new Masker();
  private readonly migrate: boolean;
  private schema: Promise<number> | null = null;

  constructor(url: string, o: SharedStoreOptions) {
    this.shown = maskedStoreUrl(url);
    const password = /^[a-z][\w+.-]*:\/\/[^\s:/@]*:(.+)@[^@]*$/i.exec(url)?.[1];
    if (password) {
      this.masker.addSecret(password);
      this.masker.addSecret(safeDecode(password));
    }
    this.migrate = o.migrate ?? true;
    const queryTimeout = o.queryTimeoutMs ?? 5000;
    this.pool = new pg.Pool({
      connectionString: url,
      application_name: o.application,
      max: o.max ?? 2,
      connectionTimeoutMillis: o.connectTimeoutMs ?? 3000,
      idleTimeoutMillis: 30_000,
      statement_timeout: queryTimeout,
      query_timeout: queryTimeout + 1000,
      keepAlive: true,
    });
    // an idle connection the server closed (a restart of PostgreSQL): the pool drops it, the next call reconnects
    this.pool.on('error', () => undefined);
  }

  /** The schema, migrated (or, read-only, its version: 0 when medic never wrote here). */
  ready(): Promise<number> {
    this.schema ??= this.withClient((c) =>
      this.migrate ? migratePg(c).then(() => PG_MIGRATIONS.at(-1)?.version ?? 0) : pgSchemaVersion(c),
    ).then(
      (version) => {
        // nothing there yet: ask again next time, a daemon may have written since
        if (!version) this.schema = null;
        return version;
      },
      (error: unknown) => {
        this.schema = null;
        throw error;
      },
    );
    return this.schema;
  }

  async query<R extends pg.QueryResultRow>(sql: string, args: unknown[] = []): Promise<R[]> {
    await this.ready();
    return this.withClient(async (c) => (await c.query<R>(sql, args)).rows);
  }

  /** Runs `fn` in one transaction: all of it is committed, or none. */
  async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    await this.ready();
    return this.withClient(async (c) => {
      await c.query('BEGIN');
      try {
        const out = await fn(c);
        await c.query('COMMIT');
        return out;
      } catch (error) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  /** A failure as one line, the password masked. */
  problem(error: unknown): string {
    // a host name with several addresses (localhost) fails with one error per address
    const first =
      error instanceof AggregateError && error.errors.length > 0 ? (error.errors[0] as unknown) : error;
    const text = first instanceof Error ? first.message || first.name : String(first);
    return this.masker.text((text.split('\n')[0] ?? 'error').trim());
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }

  private async withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    // the server going away between two statements is an 'error' event, not a failed query: noted, not thrown
    const lost = (error: Error) => (broken = error);
    client.on('error', lost);
    try {
      return await fn(client);
    } catch (error) {
      // a connection that failed mid-query is not given back: the next call gets a fresh one
      if (!(error instanceof pg.DatabaseError))
        broken = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      client.off('error', lost);
      client.release(broken);
    }
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
