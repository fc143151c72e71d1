import type { Service } from '../discover/service.ts';
import type { AppFacts } from './context.ts';
import { lastAppFrames } from './app-probe.ts';
import { defineCheck, fail, pass, skip } from './types.ts';

export interface AppImportableFacts {
  service: Pick<Service, 'name' | 'user' | 'workdir' | 'python' | 'server'>;
  canActAsUser: boolean;
  /** What the import as the unit's user answered; null when it could not run. */
  app: AppFacts | null;
  /** How long the import took. */
  ms: number;
}

export const check = defineCheck<AppImportableFacts>({
  meta: {
    id: 'app.importable',
    layer: 'app',
    title: 'the app imports exactly as the unit would import it (same user, directory, environment, Python)',
    docs: "Imports the server's entrypoint (wsgi:app, mysite.wsgi:application, app.main:app, a factory) with the unit's Python, as its user, in its WorkingDirectory, with its Environment= and env files. Catches a wrong module path, a missing package, a syntax error, a missing variable and a settings error before a restart turns them into an outage.",
    runsAppPython: true,
    gatesDeploy: true,
  },
  async gather(ctx) {
    const { service } = ctx;
    const canActAsUser = ctx.canActAsUser();
    if (!service.server?.module || !service.python || !canActAsUser)
      return { service, canActAsUser, app: null, ms: 0 };
    const t0 = Date.now();
    const app = await ctx.appFacts();
    // The probe's own clock: its process does more than the import (requirements, Django's checks).
    return { service, canActAsUser, app, ms: app?.importMs ?? Date.now() - t0 };
  },
  judge({ service, canActAsUser, app, ms }) {
    if (!service.server?.module) return skip('no app module found in ExecStart');
    if (!service.python) return skip('no Python interpreter found for the app');
    if (!canActAsUser) return skip(`run medic as root to import the app as ${service.user}`);
    if (!app) return skip('could not run the import');
    if (!app.ok) {
      const frames = lastAppFrames(app.traceback);
      return fail(`importing ${service.server.module} fails: ${app.error ?? 'unknown error'}`, frames, [
        `cd ${service.server.chdir ?? service.workdir ?? '.'} && sudo -u ${service.user} ${service.python} -c 'import ${service.server.module.split(':')[0]}'    # reproduce`,
        `medic diagnose ${service.name}    # the cause and the fix`,
      ]);
    }
    return pass(
      `${service.server.module} imports as ${service.user} (${app.object ?? 'app'}, ${(ms / 1000).toFixed(1)} s)`,
    );
  },
});
