import { WHO_HOLDS_CONNECTIONS } from '../causes/db_connections_exhausted.ts';
import { type DatabaseFacts, dbAddressOf, gatherDatabase } from './db_auth.ts';
import { defineCheck, fail, pass, skip, warn } from './types.ts';

/** Past this share of the slots a non-superuser may take, a deploy's second set of workers may find none. */
const WARN_AT = 0.75;

export const check = defineCheck<DatabaseFacts>({
  meta: {
    id: 'db.connections_headroom',
    layer: 'database',
    title: 'PostgreSQL has connection slots left for the app',
    docs: 'Logs in with the app\'s DATABASE_URL and compares the connections in use with max_connections, less the slots kept for superusers. Every worker process keeps its own pool, and a deploy runs the old and the new workers side by side for a while: when the slots run out, PostgreSQL answers "sorry, too many clients already" and the app cannot connect.',
    gatesDeploy: true,
  },
  gather: gatherDatabase,
  judge({ service, url, postgres: r }) {
    if (!url) return skip('no PostgreSQL URL in the unit environment');
    if (!r) return skip('no PostgreSQL URL');
    const where = dbAddressOf(url);
    const fixes = [
      `${WHO_HOLDS_CONNECTIONS}   # who holds them: workers × pool size of every app, sessions idle in transaction`,
      `sudo -u postgres psql -c "SHOW max_connections"   # raise it in postgresql.conf (a PostgreSQL restart), or put PgBouncer in front`,
      `systemctl cat ${service.unit} | grep -E -- '--workers|-w |--threads'   # or fewer workers, or a smaller pool per worker`,
    ];
    if (!r.ok)
      return r.error.kind === 'too_many_connections'
        ? fail(
            `PostgreSQL at ${where} has no connection slot left for the app`,
            [r.error.message.split('\n')[0] ?? ''],
            fixes,
          )
        : skip(`not reachable (${r.error.kind}): see db.reachable`);
    const c = r.value.connections;
    if (!c) return skip(`PostgreSQL at ${where} did not say its connection slots`);
    const open = Math.max(0, c.max - c.reserved);
    const left = Math.max(0, open - c.used);
    const figures = `${c.used} of ${open} connections in use (max_connections ${c.max}, ${c.reserved} kept for superusers)`;
    if (left === 0) return fail(`PostgreSQL at ${where}: no slot left, ${figures}`, [], fixes);
    if (c.used >= open * WARN_AT)
      return warn(`PostgreSQL at ${where}: ${left} slots left, ${figures}`, [], fixes);
    return pass(`${left} slots left: ${figures}`);
  },
});
