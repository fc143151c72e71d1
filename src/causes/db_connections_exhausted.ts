import { type Cause, fromSignal, unitName } from './types.ts';

// The database answers, but has no connection left for the app: PostgreSQL's max_connections (or a role's
// or database's CONNECTION LIMIT) is used up, PgBouncer's max_client_conn is, or the app's own pool had
// no free connection for its whole timeout. The messages are in the inventory (messages/postgres.ts).

/** Who ran out: the server's slots, the pooler's clients, or the app's own pool. */
function kindOf(program: string | undefined): 'server' | 'pgbouncer' | 'pool' {
  if (program === 'pgbouncer') return 'pgbouncer';
  if (program === 'sqlalchemy' || program === 'psycopg_pool') return 'pool';
  return 'server';
}

/** Causes whose signals say the connections themselves fail. */
const CONNECT_FAILURES = [
  'db_auth_failed',
  'db_unreachable',
  'bad_config_value',
  'dns_misconfigured',
  'firewall_blocked',
];

/** Who holds PostgreSQL's connections, by database, role, application and state: the first look at used-up slots. */
export const WHO_HOLDS_CONNECTIONS = `sudo -u postgres psql -c "SELECT datname, usename, application_name, state, count(*) FROM pg_stat_activity GROUP BY 1, 2, 3, 4 ORDER BY 5 DESC"`;

export const dbConnectionsExhausted: Cause = {
  meta: {
    id: 'db_connections_exhausted',
    title: 'The database has no connection left for the app',
    layer: 'database',
    docs:
      'PostgreSQL answers but refuses new connections: max_connections (or a CONNECTION LIMIT) is used up, ' +
      "often by more workers × pool size than it allows, by connections another deploy's processes still " +
      "hold, or by sessions left idle in transaction; or PgBouncer's max_client_conn is; or the app's own " +
      'pool (SQLAlchemy, psycopg_pool) had no free connection for its whole timeout because slow queries or ' +
      'sessions that are never closed hold them all.',
    degrades: true,
  },
  decide(evidence) {
    const f = fromSignal('db_connections_exhausted', evidence);
    // An app pool's timeout also follows connections that fail for another reason (psycopg_pool logs each
    // failed attempt as a warning, then times out): that reason, when the log shows it, explains both.
    if (f && kindOf(f.captures.program) === 'pool') {
      const failing = CONNECT_FAILURES.some((id) => evidence.signals.has(id));
      return { ...f, confidence: failing ? 'low' : 'medium' };
    }
    if (f) return f;
    const db = evidence.probes?.database;
    if (db?.result === 'too_many_connections')
      // medic's own connection was refused just now for want of a slot: a measurement, not a guess.
      return {
        confidence: 'high',
        signal: null,
        evidence: [`database probe: too_many_connections${db.message ? ` (${db.message})` : ''}`],
        captures: {},
      };
    return null;
  },
  fix(c, t) {
    const unit = unitName(t);
    const settings = `grep -nE 'workers|threads|WEB_CONCURRENCY|CONN_MAX_AGE|pool_size|max_overflow|max_size' ${t.envFile ?? '/etc/APP.env'}; systemctl cat ${unit} | grep -E -- '--workers|-w |--threads'`;
    switch (kindOf(c.program)) {
      case 'pgbouncer':
        return [
          `psql -h 127.0.0.1 -p 6432 -U pgbouncer pgbouncer -c 'SHOW POOLS' -c 'SHOW CLIENTS'   # who holds PgBouncer's clients`,
          `grep -nE 'max_client_conn|default_pool_size|pool_mode' /etc/pgbouncer/pgbouncer.ini   # raise max_client_conn, or fewer app connections`,
          `${settings}   # each worker process keeps its own pool`,
          `systemctl reload pgbouncer && systemctl restart ${unit}`,
        ];
      case 'pool':
        return [
          `sudo -u postgres psql -c "SELECT pid, now() - xact_start AS open_for, state, left(query, 60) FROM pg_stat_activity WHERE backend_type = 'client backend' ORDER BY xact_start NULLS LAST LIMIT 20"   # slow queries and sessions idle in transaction hold the pool`,
          `${settings}   # the pool (pool_size + max_overflow) must cover each process's threads`,
          `systemctl restart ${unit}   # after closing sessions in the code path that leaks them, or a larger pool`,
        ];
      case 'server':
        return [
          `${WHO_HOLDS_CONNECTIONS}   # who holds the connections`,
          `sudo -u postgres psql -c "SHOW max_connections" -c "SHOW superuser_reserved_connections"`,
          `${settings}   # workers × pool size, summed over every app and worker, must stay under max_connections`,
          `systemctl restart ${unit}   # after lowering that sum, or raising max_connections (a PostgreSQL restart), or PgBouncer in front`,
        ];
    }
  },
};
