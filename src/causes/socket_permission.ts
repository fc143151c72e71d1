import { type Cause, fromSignal, lineSignal, unitName } from './types.ts';

export const socketPermission: Cause = {
  meta: {
    id: 'socket_permission',
    title: "Nginx may not open the app's unix socket",
    layer: 'upstream',
    docs:
      "The socket exists but Nginx's user (www-data) has no write permission on it or no search " +
      "permission on a directory above it: the app's umask, a RuntimeDirectory owned by another user, " +
      'or a socket under a home directory.',
    worthMatching: /Permission denied/,
  },
  matchLine(event) {
    const m = /connect\(\) to unix:(\S+?) failed \(13: Permission denied\)/.exec(event.text);
    return m ? { socket: m[1] ?? '' } : null;
  },
  decide(evidence) {
    const up = evidence.probes?.upstream;
    // Live, medic connects to the socket as Nginx's user: a permission that denies Nginx denies medic too.
    // When it does not, the logged 13 was a moment (a restarting app's socket before its chmod), not the cause.
    const contradicted = up?.target.kind === 'unix' && up.result !== 'permission';
    const f = contradicted ? null : fromSignal('socket_permission', evidence);
    if (f) return f;
    // medic connected as Nginx's user and was refused: the same answer Nginx gets.
    if (up?.target.kind === 'unix' && up.result === 'permission') {
      const failure = evidence.upstreamFailures.find((x) => x.origin === 'probe');
      return {
        confidence: 'high',
        signal: failure ? lineSignal('socket_permission', failure.event, 'probe') : null,
        evidence: [
          `${up.target.path}: Nginx's user may not write to it`,
          ...up.listeners.map((l) => `listening: ${l}`),
        ],
        captures: { socket: up.target.path },
      };
    }
    return null;
  },
  fix(c, t) {
    const sock = c.socket ?? '/run/APP/APP.sock';
    return [
      `namei -l ${sock}`,
      `sudo -u www-data test -w ${sock} && echo writable || echo 'not writable by www-data'`,
      `# let the nginx user in: Group=www-data and UMask=0007 in ${unitName(t)} (or --umask 007), then:`,
      `systemctl restart ${unitName(t)}`,
    ];
  },
};
