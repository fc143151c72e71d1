import { posix } from 'node:path';
import type { Service } from '../discover/service.ts';
import { defineCheck, fail, type FileFacts, fileFacts, pass, skip } from './types.ts';

export interface SocketPermissionFacts {
  service: Pick<Service, 'binds' | 'nginx' | 'group'>;
  /** Only root can test as Nginx's user. */
  isRoot: boolean;
  /** Each unix socket the app binds: its stat, and whether Nginx's user may write it (null: not tested). */
  sockets: Record<string, { stat: FileFacts | null; nginxCanConnect: boolean | null }>;
}

export const check = defineCheck<SocketPermissionFacts>({
  meta: {
    id: 'nginx.socket_permission',
    layer: 'upstream',
    title: "Nginx's user may connect to the app's unix socket",
    docs: 'Connecting to a unix socket needs write permission on it and search permission on every directory above it, for the user Nginx\'s workers run as (www-data). An app that runs as its own user with a tight umask answers 502 "Permission denied" to every request. Tested as that user.',
  },
  async gather(ctx) {
    const { service, host } = ctx;
    const isRoot = process.getuid?.() === 0;
    const sockets: SocketPermissionFacts['sockets'] = {};
    if (!isRoot) return { service, isRoot, sockets };
    for (const b of service.binds) {
      if (b.kind !== 'unix') continue;
      const stat = fileFacts(await host.stat(b.path));
      sockets[b.path] = { stat, nginxCanConnect: stat ? await ctx.nginxMayConnect(b.path) : null };
    }
    return { service, isRoot, sockets };
  },
  judge({ service, isRoot, sockets: facts }) {
    const sockets = service.binds.filter((b) => b.kind === 'unix');
    if (sockets.length === 0) return skip('the app binds no unix socket');
    const user = service.nginx?.user ?? 'www-data';
    if (!isRoot) return skip(`run medic as root to test as ${user}`);
    const problems: string[] = [];
    const evidence: string[] = [];
    for (const b of sockets) {
      const s = facts[b.path]?.stat;
      if (!s) {
        problems.push(`${b.path} does not exist (see net.app_listening)`);
        continue;
      }
      evidence.push(`${b.path}: uid ${s.uid} gid ${s.gid} mode ${(s.mode & 0o777).toString(8)}`);
      if (facts[b.path]?.nginxCanConnect === false) problems.push(`${user} cannot connect to ${b.path}`);
    }
    if (problems.length > 0)
      return fail(problems.join('; '), evidence, [
        `usermod -aG ${service.group} ${user} && systemctl restart nginx    # Nginx joins the app's group`,
        `or run Gunicorn with --umask 007 and Group=${user}; the socket's directory ${posix.dirname(sockets[0]?.path ?? '/run/x/x')} needs o+x or the group`,
      ]);
    return pass(`${user} may connect to ${sockets.map((b) => b.path).join(', ')}`);
  },
});
