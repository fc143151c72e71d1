import { fail, pass, skip, warn, type Check } from './types.ts';

export const check: Check = {
  meta: {
    id: 'unit.envfile_readable',
    layer: 'process',
    title: "the unit's EnvironmentFile= files exist and the service user can read them",
    docs: 'systemd refuses to start a unit whose EnvironmentFile= is missing (unless written with "-"), and a file the service user cannot read breaks every tool that loads it as that user (manage.py, flask, alembic, python-dotenv). A file every user can read exposes its secrets.',
  },
  async run(ctx) {
    const { host, service } = ctx;
    if (service.envFiles.length === 0) return skip('the unit has no EnvironmentFile=');
    const missing: string[] = [];
    const unreadable: string[] = [];
    const open: string[] = [];
    for (const f of service.envFiles) {
      const s = await host.stat(f.path);
      if (!s) {
        if (!f.optional) missing.push(f.path);
        continue;
      }
      if (s.mode & 0o004) open.push(`${f.path} (mode ${(s.mode & 0o777).toString(8)})`);
      if (ctx.canActAsUser()) {
        const r = await ctx.asUser(['test', '-r', f.path], { cwd: '/' });
        if (r && r.code !== 0) unreadable.push(f.path);
      }
    }
    if (missing.length > 0)
      return fail(
        `${missing.join(', ')} missing: systemd will not start ${service.unit}`,
        missing.map((m) => `EnvironmentFile=${m}`),
        [
          `ls -la ${missing[0]?.replace(/\/[^/]*$/, '') ?? ''}    # was it renamed?`,
          `systemctl edit ${service.unit}    # EnvironmentFile= the real file (or -PATH if optional)`,
        ],
      );
    if (unreadable.length > 0)
      return fail(
        `${service.user} cannot read ${unreadable.join(', ')}`,
        [],
        unreadable.map((p) => `chgrp ${service.group} ${p} && chmod 640 ${p}`),
      );
    if (open.length > 0)
      return warn(
        `every user on the server can read ${open.join(', ')}`,
        [],
        service.envFiles.map((f) => `chmod o-rwx ${f.path}`),
      );
    return pass(`${service.envFiles.map((f) => f.path).join(', ')} readable by ${service.user}`);
  },
};
