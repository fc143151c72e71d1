import type { Service } from '../discover/service.ts';
import type { NginxSite } from '../nginx/sites.ts';
import { defineCheck, fail, pass, skip } from './types.ts';

export interface StaticAliasFacts {
  service: Pick<Service, 'site' | 'project' | 'python' | 'workdir' | 'nginx'>;
  /** Each directory a static location serves: its entries (null: missing), and whether Nginx's user may read it (null: not tested). */
  dirs: Record<string, { entries: string[] | null; nginxCanRead: boolean | null }>;
}

/** The site's locations that Nginx serves from disk (alias or root, no proxy), with their directory. */
export function staticDirs(site: NginxSite): { location: string; dir: string }[] {
  return site.locations
    .filter((l) => (l.alias || l.root) && !l.proxyPass && !l.uwsgiPass && l.path !== '/')
    .map((l) => ({ location: l.path, dir: l.alias ?? `${(l.root ?? '').replace(/\/$/, '')}${l.path}` }));
}

export const check = defineCheck<StaticAliasFacts>({
  meta: {
    id: 'nginx.static_alias_exists',
    layer: 'proxy',
    title: "the directories Nginx serves static and media files from exist and Nginx's user can read them",
    docs: 'An alias or root for /static/ or /media/ that points at a directory a release renamed or never created serves 404 for every stylesheet and image, while the app itself looks fine.',
  },
  async gather(ctx) {
    const { service, host } = ctx;
    const user = service.nginx?.user ?? 'www-data';
    const dirs: StaticAliasFacts['dirs'] = {};
    for (const { dir } of service.site ? staticDirs(service.site) : []) {
      const entries = (await host.readdir(dir)) ?? null;
      let nginxCanRead: boolean | null = null;
      if (entries && process.getuid?.() === 0) {
        const r = await host.run('runuser', ['-u', user, '--', 'test', '-r', dir, '-a', '-x', dir], {
          timeoutMs: ctx.timeoutMs,
        });
        if (r.ok) nginxCanRead = r.value.code === 0;
      }
      dirs[dir] = { entries, nginxCanRead };
    }
    return { service, dirs };
  },
  judge({ service, dirs }) {
    const site = service.site;
    if (!site) return skip('no Nginx site in front of the app');
    const locs = staticDirs(site);
    if (locs.length === 0) return skip(`${site.file} serves no static directory`);
    const user = service.nginx?.user ?? 'www-data';
    const problems: string[] = [];
    const ok: string[] = [];
    const fix: string[] = [];
    for (const { location, dir } of locs) {
      const entries = dirs[dir]?.entries;
      if (!entries) {
        problems.push(`location ${location} → ${dir} does not exist`);
        fix.push(
          service.project?.framework === 'django'
            ? `cd ${service.project.root} && ${service.python ?? 'python'} manage.py collectstatic --noinput    # if ${dir} is STATIC_ROOT`
            : `ls -d ${service.workdir ?? '/srv'}/*/    # where are the static files? then fix the alias in ${site.file}`,
        );
        continue;
      }
      if (dirs[dir]?.nginxCanRead === false) {
        problems.push(`${user} cannot read ${dir}`);
        fix.push(`chmod -R o+rX ${dir}`);
        continue;
      }
      ok.push(`${location} → ${dir} (${entries.length} ${entries.length === 1 ? 'entry' : 'entries'})`);
    }
    if (problems.length > 0)
      return fail(problems.join('; '), ok, [...fix, 'nginx -t && systemctl reload nginx']);
    return pass(ok.join(', '));
  },
});
