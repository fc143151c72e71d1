import { posix } from 'node:path';
import type { Service } from '../discover/service.ts';
import { showValue } from '../systemd/show.ts';
import { defineCheck, fail, pass, skip } from './types.ts';

export interface SocketDirFacts {
  service: Pick<Service, 'binds' | 'show' | 'unit' | 'name' | 'user' | 'group'>;
  /** For the directory of each unix socket the app binds. */
  dirs: Record<
    string,
    {
      exists: boolean;
      /** /etc/tmpfiles.d/NAME.conf exists: something recreates /run/… at boot. */
      tmpfiles: boolean;
      /** The service user may create files in it; null when medic cannot test as that user. */
      userCanCreate: boolean | null;
    }
  >;
}

export const check = defineCheck<SocketDirFacts>({
  meta: {
    id: 'fs.socket_dir',
    layer: 'upstream',
    title: "the unix socket's directory exists at start and the service user can create the socket in it",
    docs: 'Gunicorn and Uvicorn create their socket at start. /run is emptied at every boot, so a socket directory under /run must come from RuntimeDirectory= (or tmpfiles.d); otherwise the app cannot bind after the next reboot or restart ("No such file or directory").',
  },
  async gather(ctx) {
    const { service, host } = ctx;
    const dirs: SocketDirFacts['dirs'] = {};
    for (const b of service.binds) {
      if (b.kind !== 'unix') continue;
      const dir = posix.dirname(b.path);
      const exists = Boolean(await host.stat(dir));
      const tmpfiles = Boolean(await host.stat(`/etc/tmpfiles.d/${service.name}.conf`));
      let userCanCreate: boolean | null = null;
      if (exists && ctx.canActAsUser()) {
        const r = await ctx.asUser(['test', '-w', dir, '-a', '-x', dir], { cwd: '/' });
        if (r) userCanCreate = r.code === 0;
      }
      dirs[dir] = { exists, tmpfiles, userCanCreate };
    }
    return { service, dirs };
  },
  judge({ service, dirs }) {
    const sockets = service.binds.filter((b) => b.kind === 'unix');
    if (sockets.length === 0) return skip('the app binds no unix socket');
    const runtime = (showValue(service.show, 'RuntimeDirectory') ?? '').split(/\s+/).filter(Boolean);
    const problems: string[] = [];
    const fix: string[] = [];
    const evidence: string[] = [];
    for (const b of sockets) {
      const dir = posix.dirname(b.path);
      const d = dirs[dir];
      const managed = runtime.some((r) => `/run/${r}` === dir);
      evidence.push(`bind unix:${b.path}${managed ? ` (RuntimeDirectory=${dir.slice(5)})` : ''}`);
      if (!d?.exists) {
        problems.push(`${dir} does not exist`);
        if (dir.startsWith('/run/'))
          fix.push(`systemctl edit ${service.unit}    # [Service] RuntimeDirectory=${dir.slice(5)}`);
        else fix.push(`install -d -o ${service.user} -g ${service.group} ${dir}`);
        continue;
      }
      if (dir.startsWith('/run/') && !managed && !d.tmpfiles) {
        problems.push(`${dir} exists now but nothing recreates it after a reboot (no RuntimeDirectory=)`);
        fix.push(`systemctl edit ${service.unit}    # [Service] RuntimeDirectory=${dir.slice(5)}`);
      }
      if (d.userCanCreate === false) {
        problems.push(`${service.user} cannot create files in ${dir}`);
        fix.push(`chown ${service.user}:${service.group} ${dir}`);
      }
    }
    if (problems.length > 0) return fail(problems.join('; '), evidence, fix);
    return pass(evidence.join(', '));
  },
});
