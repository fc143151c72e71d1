import { type DatabaseFacts, dbAddressOf, gatherDatabase } from './db_auth.ts';
import { defineCheck, fail, pass, skip } from './types.ts';

const UNREACHABLE = new Set([
  'refused',
  'socket_missing',
  'not_found_host',
  'timeout',
  'starting_up',
  'ssl',
  'other',
]);

export const check = defineCheck<DatabaseFacts>({
  meta: {
    id: 'db.reachable',
    layer: 'database',
    title: "PostgreSQL answers at the address in the app's DATABASE_URL",
    docs: "Connects to the host and port of the app's database URL, from this server. Refused means PostgreSQL is down or listens elsewhere (listen_addresses, port); a timeout is a firewall or a wrong host.",
    gatesDeploy: true,
  },
  gather: gatherDatabase,
  judge({ url, postgres: r }) {
    if (!url) return skip('no PostgreSQL URL in the unit environment');
    if (!r) return skip('no PostgreSQL URL');
    const where = dbAddressOf(url);
    if (r.ok) return pass(`PostgreSQL ${r.value.serverVersion} answers at ${where} (${Math.round(r.ms)} ms)`);
    if (!UNREACHABLE.has(r.error.kind))
      return pass(
        `PostgreSQL answers at ${where} (${r.error.kind}: see ${r.error.kind === 'too_many_connections' ? 'db.connections_headroom' : 'db.auth'})`,
      );
    return fail(
      `PostgreSQL at ${where}: ${r.error.kind}`,
      [r.error.message.split('\n')[0] ?? ''],
      [
        'systemctl status postgresql    # is it running?',
        'systemctl start postgresql',
        `pg_isready -h ${where.split(':')[0] ?? '127.0.0.1'} -p ${where.split(':')[1] ?? '5432'}`,
      ],
    );
  },
});
