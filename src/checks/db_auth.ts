import type { Service } from '../discover/service.ts';
import type { PgFailure, PostgresInfo } from '../host/postgres.ts';
import { type ProbeResult, redactPassword } from '../host/probe.ts';
import { defineCheck, fail, pass, skip } from './types.ts';

export interface DatabaseFacts {
  service: Pick<Service, 'unit' | 'project'>;
  /** The app's PostgreSQL URL (driver suffix taken off); null when it has none. */
  url: string | null;
  /** What logging in with it got. */
  postgres: ProbeResult<PostgresInfo, PgFailure> | null;
}

/** The host and port of a database URL, as the checks name it (never its password). */
export function dbAddressOf(url: string): string {
  return redactPassword(url.replace(/^[^@]*@/, '').replace(/\/.*$/, ''), url);
}

/** The URL and the login, shared by db.reachable, db.auth and db.connections_headroom. */
export async function gatherDatabase(ctx: {
  service: DatabaseFacts['service'];
  databaseUrl(): string | null;
  postgres(): Promise<DatabaseFacts['postgres']>;
}): Promise<DatabaseFacts> {
  const url = ctx.databaseUrl();
  return { service: ctx.service, url, postgres: url ? await ctx.postgres() : null };
}

export const check = defineCheck<DatabaseFacts>({
  meta: {
    id: 'db.auth',
    layer: 'database',
    title: "the app's database user can log in to its database",
    docs: 'Logs in with the user, password and database of DATABASE_URL. "password authentication failed" after a password rotation, or a database that does not exist, stop the app at its first query.',
    gatesDeploy: true,
  },
  gather: gatherDatabase,
  judge({ service, url, postgres: r }) {
    if (!url) return skip('no PostgreSQL URL in the unit environment');
    if (!r) return skip('no PostgreSQL URL');
    const user = /^[^:]+:\/\/([^:@/]*)/.exec(url)?.[1] ?? '';
    const db = /\/([^/?]+)(?:\?|$)/.exec(url.replace(/^[^@]*@/, ''))?.[1] ?? '';
    if (r.ok) return pass(`${user} logs in to ${db}`);
    if (r.error.kind === 'auth_failed')
      return fail(
        `PostgreSQL refuses the login of ${user}`,
        [r.error.message.split('\n')[0] ?? ''],
        [
          `sudo -u postgres psql -c "ALTER ROLE ${user} PASSWORD '…'"    # or put the current password in ${service.project?.databaseUrlVar ?? 'DATABASE_URL'}`,
          `systemctl restart ${service.unit}`,
        ],
      );
    if (r.error.kind === 'database_missing')
      return fail(
        `database ${db} does not exist`,
        [r.error.message.split('\n')[0] ?? ''],
        [`sudo -u postgres createdb -O ${user} ${db}`],
      );
    if (r.error.kind === 'too_many_connections')
      return skip('no connection slot left to log in with: see db.connections_headroom');
    return skip(`not reachable (${r.error.kind}): see db.reachable`);
  },
});
