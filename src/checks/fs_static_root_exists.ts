import type { Service } from '../discover/service.ts';
import type { AppFacts } from './context.ts';
import { defineCheck, fail, pass, skip } from './types.ts';

export interface StaticRootFacts {
  service: Pick<Service, 'project' | 'python'>;
  /** Django's settings as the app loads them; null when they could not be loaded. */
  django: AppFacts['django'] | null;
  /** The entries of STATIC_ROOT; null when it does not exist. */
  entries: string[] | null;
}

export const check = defineCheck<StaticRootFacts>({
  meta: {
    id: 'fs.static_root_exists',
    layer: 'app',
    title: "Django's STATIC_ROOT exists and holds the collected files",
    docs: 'With DEBUG=False Django serves no static files: Nginx serves STATIC_ROOT, which `manage.py collectstatic` fills at each release. Missing or empty, every page loads without its CSS and JavaScript.',
    runsAppPython: true,
  },
  async gather(ctx) {
    const { service, host } = ctx;
    if (service.project?.framework !== 'django') return { service, django: null, entries: null };
    const django = (await ctx.appFacts())?.django ?? null;
    const entries = django?.STATIC_ROOT ? ((await host.readdir(django.STATIC_ROOT)) ?? null) : null;
    return { service, django, entries };
  },
  judge({ service, django, entries }) {
    if (service.project?.framework !== 'django') return skip('not a Django project');
    if (!django) return skip('could not load the Django settings (see app.importable)');
    const root = django.STATIC_ROOT;
    const fix = [
      `cd ${service.project.root} && ${service.python ?? 'python'} manage.py collectstatic --noinput`,
    ];
    if (!root)
      return fail(
        'STATIC_ROOT is not set: collectstatic has nowhere to put the files',
        [],
        [`set STATIC_ROOT in ${service.project.settingsModule ?? 'the settings'}`, ...fix],
      );
    if (!entries) return fail(`STATIC_ROOT ${root} does not exist: collectstatic did not run`, [], fix);
    if (entries.length === 0) return fail(`STATIC_ROOT ${root} is empty`, [], fix);
    return pass(`${root} holds ${entries.length} entries`);
  },
});
