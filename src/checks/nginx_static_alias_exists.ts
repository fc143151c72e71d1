import { fail, pass, skip, type Check } from './types.ts';

export const check: Check = {
  meta: {
    id: 'nginx.static_alias_exists',
    layer: 'proxy',
    title: "the directories Nginx serves static and media files from exist and Nginx's user can read them",
    docs: 'An alias or root for /static/ or /media/ that points at a directory a release renamed or never created serves 404 for every stylesheet and image, while the app itself looks fine.',
  },
  async run(ctx) {
    const { service, host } = ctx;
    const site = service.site;
    if (!site) return skip('no Nginx site in front of the app');
    const locs = site.locations.filter(
      (l) => (l.alias || l.root) && !l.proxyPass && !l.uwsgiPass && l.path !== '/',
    );
    if (locs.length === 0) return skip(`${site.file} serves no static directory`);
    const user = ctx.service.nginx?.user ?? 'www-data';
    const problems: string[] = [];
    const ok: string[] = [];
    const fix: string[] = [];
    for (const l of locs) {
      const dir = l.alias ?? `${(l.root ?? '').replace(/\/$/, '')}${l.path}`;
      const entries = await host.readdir(dir);
      if (!entries) {
        problems.push(`location ${l.path} → ${dir} does not exist`);
        fix.push(
          service.project?.framework === 'django'
            ? `cd ${service.project.root} && ${service.python ?? 'python'} manage.py collectstatic --noinput    # if ${dir} is STATIC_ROOT`
            : `ls -d ${service.workdir ?? '/srv'}/*/    # where are the static files? then fix the alias in ${site.file}`,
        );
        continue;
      }
      if (process.getuid?.() === 0) {
        const r = await host.run('runuser', ['-u', user, '--', 'test', '-r', dir, '-a', '-x', dir], {
          timeoutMs: ctx.timeoutMs,
        });
        if (r.ok && r.value.code !== 0) {
          problems.push(`${user} cannot read ${dir}`);
          fix.push(`chmod -R o+rX ${dir}`);
          continue;
        }
      }
      ok.push(`${l.path} → ${dir} (${entries.length} ${entries.length === 1 ? 'entry' : 'entries'})`);
    }
    if (problems.length > 0)
      return fail(problems.join('; '), ok, [...fix, 'nginx -t && systemctl reload nginx']);
    return pass(ok.join(', '));
  },
};
