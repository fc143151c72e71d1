import { type Cause, fromSignal, unitName } from './types.ts';

export const socketPermission: Cause = {
  meta: {
    id: 'socket_permission',
    title: "Nginx may not open the app's unix socket",
    layer: 'upstream',
    docs:
      "The socket exists but Nginx's user (www-data) has no write permission on it or no search " +
      "permission on a directory above it: the app's umask, a RuntimeDirectory owned by another user, " +
      'or a socket under a home directory.',
  },
  matchLine(event) {
    const m = /connect\(\) to unix:(\S+?) failed \(13: Permission denied\)/.exec(event.text);
    return m ? { socket: m[1] ?? '' } : null;
  },
  decide: (evidence) => fromSignal('socket_permission', evidence),
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
