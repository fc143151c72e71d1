import { fail, pass, skip, type Check } from './types.ts';

export const check: Check = {
  meta: {
    id: 'app.importable',
    layer: 'app',
    title: 'the app imports exactly as the unit would import it (same user, directory, environment, Python)',
    docs: "Imports the server's entrypoint (wsgi:app, mysite.wsgi:application, app.main:app, a factory) with the unit's Python, as its user, in its WorkingDirectory, with its Environment= and env files. Catches a wrong module path, a missing package, a syntax error, a missing variable and a settings error before a restart turns them into an outage.",
  },
  async run(ctx) {
    const { service } = ctx;
    if (!service.server?.module) return skip('no app module found in ExecStart');
    if (!service.python) return skip('no Python interpreter found for the app');
    if (!ctx.canActAsUser()) return skip(`run medic as root to import the app as ${service.user}`);
    const t0 = Date.now();
    const facts = await ctx.appFacts();
    const ms = Date.now() - t0;
    if (!facts) return skip('could not run the import');
    if (!facts.ok) {
      const frames = (facts.traceback ?? '')
        .split('\n')
        .filter((l) => /^\s+File "/.test(l) && !/importlib|<frozen/.test(l))
        .slice(-2)
        .map((l) => l.trim());
      return fail(`importing ${service.server.module} fails: ${facts.error ?? 'unknown error'}`, frames, [
        `cd ${service.server.chdir ?? service.workdir ?? '.'} && sudo -u ${service.user} ${service.python} -c 'import ${service.server.module.split(':')[0]}'    # reproduce`,
        `medic diagnose ${service.name}    # the cause and the fix`,
      ]);
    }
    return pass(
      `${service.server.module} imports as ${service.user} (${facts.object ?? 'app'}, ${(ms / 1000).toFixed(1)} s)`,
    );
  },
};
