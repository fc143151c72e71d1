import { posix } from 'node:path';
import { showValue } from '../systemd/show.ts';
import { fail, pass, skip, type Check } from './types.ts';

export const check: Check = {
  meta: {
    id: 'fs.socket_dir',
    layer: 'upstream',
    title: "the unix socket's directory exists at start and the service user can create the socket in it",
    docs: 'Gunicorn and Uvicorn create their socket at start. /run is emptied at every boot, so a socket directory under /run must come from RuntimeDirectory= (or tmpfiles.d); otherwise the app cannot bind after the next reboot or restart ("No such file or directory").',
  },
  async run(ctx) {
    const { service, host } = ctx;
    const sockets = service.binds.filter((b) => b.kind === 'unix');
    if (sockets.length === 0) return skip('the app binds no unix socket');
    const runtime = (showValue(service.show, 'RuntimeDirectory') ?? '').split(/\s+/).filter(Boolean);
    const problems: string[] = [];
    const fix: string[] = [];
    const evidence: string[] = [];
    for (const b of sockets) {
      const dir = posix.dirname(b.path);
      const managed = runtime.some((r) => `/run/${r}` === dir);
      evidence.push(`bind unix:${b.path}${managed ? ` (RuntimeDirectory=${dir.slice(5)})` : ''}`);
      const s = await host.stat(dir);
      if (!s) {
        problems.push(`${dir} does not exist`);
        if (dir.startsWith('/run/'))
          fix.push(`systemctl edit ${service.unit}    # [Service] RuntimeDirectory=${dir.slice(5)}`);
        else fix.push(`install -d -o ${service.user} -g ${service.group} ${dir}`);
        continue;
      }
      if (dir.startsWith('/run/') && !managed && !(await host.stat(`/etc/tmpfiles.d/${service.name}.conf`))) {
        problems.push(`${dir} exists now but nothing recreates it after a reboot (no RuntimeDirectory=)`);
        fix.push(`systemctl edit ${service.unit}    # [Service] RuntimeDirectory=${dir.slice(5)}`);
      }
      if (ctx.canActAsUser()) {
        const r = await ctx.asUser(['test', '-w', dir, '-a', '-x', dir], { cwd: '/' });
        if (r && r.code !== 0) {
          problems.push(`${service.user} cannot create files in ${dir}`);
          fix.push(`chown ${service.user}:${service.group} ${dir}`);
        }
      }
    }
    if (problems.length > 0) return fail(problems.join('; '), evidence, fix);
    return pass(evidence.join(', '));
  },
};
