import { type Cause, fromSignal, unitName } from './types.ts';

export const filePermission: Cause = {
  meta: {
    id: 'file_permission',
    title: "The app's user may not write (or read) a file or directory it needs",
    layer: 'app',
    docs:
      'The service runs as its User= (www-data) and a path it opens belongs to root or another user: a ' +
      'log directory created by hand, an uploads or media directory copied with the wrong owner, a ' +
      'SQLite file or cache directory from a manual run as root.',
    degrades: true,
    worthMatching: /Permission denied/,
  },
  matchError(error) {
    for (const e of error.chain) {
      const m =
        /\[Errno 13\] Permission denied: '([^']+)'/.exec(e.message) ??
        /\[Errno 30\] Read-only file system: '([^']+)'/.exec(e.message) ??
        /unable to open database file/.exec(e.message);
      if (m) return { path: m[1] ?? '' };
    }
    return null;
  },
  matchLine(event) {
    // nginx reading a static file it may not: 'open() "/srv/app/static/x.css" failed (13: Permission denied)'
    const m = /open\(\) "([^"]+)" failed \(13: Permission denied\)/.exec(event.text);
    if (m) return { path: m[1] ?? '', reader: 'nginx' };
    // systemd may not execute the unit's binary as its user (203/EXEC): a venv or home directory closed to it
    const x =
      /(?:Failed at step EXEC spawning |Failed to locate executable |Unable to locate executable '|Failed to execute )(\/[^\s':]+)'?: Permission denied/.exec(
        event.text,
      );
    if (x || /Failed to execute command: Permission denied/.test(event.text))
      return { path: x?.[1] ?? '', spawn: 'yes' };
    // An OSError logged by its repr, with the file named before it (Celery beat's schedule file):
    // "Removing corrupted schedule file 'celerybeat-schedule': error(13, 'Permission denied')"
    const r = /(?:'([^']{1,300})'|"([^"]{1,300})"): (?:\w+Error|error)\(13, '?Permission denied'?\)/.exec(
      event.text,
    );
    return r ? { path: r[1] ?? r[2] ?? '' } : null;
  },
  decide: (evidence) => fromSignal('file_permission', evidence),
  fix(c, t) {
    const path = c.path || '/path';
    const user = c.reader === 'nginx' ? 'www-data' : (t.user ?? 'www-data');
    const dir = path.replace(/\/[^/]*\.[\w]+$/, '');
    return [
      `namei -l ${path}`,
      c.reader === 'nginx' ? `chmod -R o+rX ${dir}` : `chown -R ${user}: ${dir}`,
      c.reader === 'nginx' ? 'systemctl reload nginx' : `systemctl restart ${unitName(t)}`,
    ];
  },
};
