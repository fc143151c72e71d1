import { type Cause, fromSignal, unitName } from './types.ts';

// What PostgreSQL (and MySQL) clients print when there is no server to talk to.
const UNREACHABLE = [
  /connection to server at "([^"]+)"(?: \([^)]*\))?, port (\d+) failed: (?:Connection refused|timeout expired|No route to host|Connection timed out)/,
  /connection to server on socket "([^"]+)" failed: (?:No such file or directory|Connection refused)/,
  /could not connect to server: (?:Connection refused|No such file or directory|Connection timed out)/,
  /Is the server running (?:on host|locally|on that host)/,
  // (a "host" with an @ in it is a URL cut at an unescaped @ of its password: bad_config_value's)
  /could not translate host name "([^"@]+)" to address/,
  /Connect call failed \('([^']+)', (5432|3306)\)/,
  /Multiple exceptions: \[Errno 111\] Connect call failed \('[^']+', (5432)\)/,
  /Can't connect to (?:local )?MySQL server/,
  /connection is bad: /,
  /server closed the connection unexpectedly/,
  /the database system is (?:starting up|shutting down|in recovery mode)/,
];

export const dbUnreachable: Cause = {
  meta: {
    id: 'db_unreachable',
    title: 'The app cannot reach its PostgreSQL server',
    layer: 'database',
    docs:
      'Nothing answers at the host and port in the database URL: PostgreSQL is stopped or still starting, ' +
      'listens on another address (listen_addresses), the host name does not resolve (a Docker service ' +
      'name used outside Docker), or a firewall drops the connection.',
    worthMatching: /OperationalError|could not connect|Connection refused/,
    precedes: ['app_exception'],
  },
  matchError(error) {
    for (const e of error.chain) {
      for (const re of UNREACHABLE) {
        const m = re.exec(e.message);
        if (m) return { host: m[1] ?? '', port: m[2] ?? '' };
      }
    }
    return null;
  },
  matchLine(event) {
    // Celery beat / Django management commands print the driver error without a traceback.
    if (!/OperationalError|could not connect|Connection refused/.test(event.text)) return null;
    for (const re of UNREACHABLE.slice(0, 4)) {
      const m = re.exec(event.text);
      if (m) return { host: m[1] ?? '', port: m[2] ?? '' };
    }
    return null;
  },
  decide(evidence) {
    const f = fromSignal('db_unreachable', evidence);
    if (f) return f;
    const db = evidence.probes?.database;
    if (db && (db.result === 'refused' || db.result === 'timeout' || db.result === 'not_found_host')) {
      // medic's own connection failed just now: a measurement, not a guess.
      return {
        confidence: 'high',
        signal: null,
        evidence: [`database probe: ${db.result}${db.message ? ` (${db.message})` : ''}`],
        captures: {},
      };
    }
    return null;
  },
  fix(c, t) {
    const port = c.port || '5432';
    return [
      `systemctl status postgresql --no-pager | head -5`,
      `pg_isready -h ${c.host && !c.host.startsWith('/') ? c.host : '127.0.0.1'} -p ${port}`,
      `systemctl start postgresql   # if it is stopped; then see: journalctl -u postgresql -n 50`,
      `systemctl restart ${unitName(t)}`,
    ];
  },
};
