import { type Cause, fromSignal, unitName } from './types.ts';

const AUTH = [
  // (the user name may be cut at the line's end: a secret with a trailing newline)
  /password authentication failed for user "([^"\n]+)"?/,
  /Peer authentication failed for user "([^"]+)"/,
  /Ident authentication failed for user "([^"]+)"/,
  /no pg_hba\.conf entry for host "[^"]*", user "([^"]+)"/,
  /role "([^"]+)" does not exist/,
  /InvalidPasswordError/,
  /Access denied for user '([^']+)'/,
  /fe_sendauth: no password supplied/,
];

export const dbAuthFailed: Cause = {
  meta: {
    id: 'db_auth_failed',
    title: 'PostgreSQL refuses the credentials in the database URL',
    layer: 'database',
    docs:
      "The server is reachable but rejects the login: the password in the env file is not the role's " +
      'password (rotated on one side only), the role does not exist on this server, or pg_hba.conf ' +
      'does not allow this user from this host with this method.',
    worthMatching: /authentication failed|no pg_hba\.conf entry/,
    precedes: ['db_unreachable'],
  },
  matchError(error) {
    for (const e of error.chain) {
      for (const re of AUTH) {
        const m = re.exec(e.message) ?? re.exec(e.type);
        if (m) return { user: m[1] ?? '' };
      }
    }
    return null;
  },
  matchLine(event) {
    // PostgreSQL's own log: 'FATAL:  password authentication failed for user "flask"'
    if (!/FATAL|authentication|Access denied/.test(event.text)) return null;
    for (const re of AUTH.slice(0, 4)) {
      const m = re.exec(event.text);
      if (m) return { user: m[1] ?? '' };
    }
    return null;
  },
  decide: (evidence) => fromSignal('db_auth_failed', evidence),
  fix(c, t) {
    const user = c.user || 'USER';
    const file = t.envFile ?? '/etc/APP.env';
    return [
      `grep -E '^(DATABASE_URL|DB_|POSTGRES)' ${file} | sed -E 's/(:|=)[^:@=]*@/\\1***@/'   # which user and host the app uses`,
      `sudo -u postgres psql -c "ALTER ROLE ${user} WITH PASSWORD 'the-password-in-the-env-file'"   # or fix the env file`,
      `systemctl restart ${unitName(t)}`,
    ];
  },
};
