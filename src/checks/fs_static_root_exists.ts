import { fail, pass, skip, type Check } from './types.ts';

export const check: Check = {
  meta: {
    id: 'fs.static_root_exists',
    layer: 'app',
    title: "Django's STATIC_ROOT exists and holds the collected files",
    docs: 'With DEBUG=False Django serves no static files: Nginx serves STATIC_ROOT, which `manage.py collectstatic` fills at each release. Missing or empty, every page loads without its CSS and JavaScript.',
  },
  async run(ctx) {
    const { service, host } = ctx;
    if (service.project?.framework !== 'django') return skip('not a Django project');
    const facts = await ctx.appFacts();
    const root = facts?.django?.STATIC_ROOT;
    if (!facts?.django) return skip('could not load the Django settings (see app.importable)');
    const fix = [
      `cd ${service.project.root} && ${service.python ?? 'python'} manage.py collectstatic --noinput`,
    ];
    if (!root)
      return fail(
        'STATIC_ROOT is not set: collectstatic has nowhere to put the files',
        [],
        [`set STATIC_ROOT in ${service.project.settingsModule ?? 'the settings'}`, ...fix],
      );
    const entries = await host.readdir(root);
    if (!entries) return fail(`STATIC_ROOT ${root} does not exist: collectstatic did not run`, [], fix);
    if (entries.length === 0) return fail(`STATIC_ROOT ${root} is empty`, [], fix);
    return pass(`${root} holds ${entries.length} entries`);
  },
};
