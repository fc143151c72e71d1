import type { Service } from '../discover/service.ts';
import { defineCheck, fail, type FileFacts, fileFacts, pass, skip, warn } from './types.ts';

export interface EnvFileFacts {
  service: Pick<Service, 'envFiles' | 'unit' | 'user' | 'group'>;
  /** Each EnvironmentFile=: its stat (null: missing), and whether the service user may read it (null: not tested). */
  files: Record<string, { stat: FileFacts | null; userCanRead: boolean | null }>;
}

export const check = defineCheck<EnvFileFacts>({
  meta: {
    id: 'unit.envfile_readable',
    layer: 'process',
    title: "the unit's EnvironmentFile= files exist and the service user can read them",
    docs: 'systemd refuses to start a unit whose EnvironmentFile= is missing (unless written with "-"), and a file the service user cannot read breaks every tool that loads it as that user (manage.py, flask, alembic, python-dotenv). A file every user can read exposes its secrets.',
    gatesDeploy: true,
  },
  async gather(ctx) {
    const { host, service } = ctx;
    const files: EnvFileFacts['files'] = {};
    for (const f of service.envFiles) {
      const stat = fileFacts(await host.stat(f.path));
      const r = stat && ctx.canActAsUser() ? await ctx.asUser(['test', '-r', f.path], { cwd: '/' }) : null;
      files[f.path] = { stat, userCanRead: r ? r.code === 0 : null };
    }
    return { service, files };
  },
  judge({ service, files }) {
    if (service.envFiles.length === 0) return skip('the unit has no EnvironmentFile=');
    const missing: string[] = [];
    const unreadable: string[] = [];
    const open: string[] = [];
    for (const f of service.envFiles) {
      const s = files[f.path]?.stat;
      if (!s) {
        if (!f.optional) missing.push(f.path);
        continue;
      }
      if (s.mode & 0o004) open.push(`${f.path} (mode ${(s.mode & 0o777).toString(8)})`);
      if (files[f.path]?.userCanRead === false) unreadable.push(f.path);
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
});
