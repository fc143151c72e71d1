import { type AppFacts, lastAppFrames } from '../app-probe.ts';
import { defineCheck, fail, pass, skip } from '../types.ts';
import { type ContainerContext, SERVICE } from './context.ts';

export interface AppImportableFacts {
  name: string;
  running: boolean;
  service: string | null;
  /** The module its server imports, from its command; null when its command starts no server medic knows. */
  module: string | null;
  app: AppFacts | null;
}

export const check = defineCheck<AppImportableFacts, ContainerContext>({
  meta: {
    id: 'docker.app_importable',
    layer: 'app',
    title: 'the app imports in the container as its server imports it (its Python, user, directory and env)',
    docs: "Imports the module of the container's command (uvicorn app.main:app, gunicorn config.wsgi:application) with the container's own Python, through docker exec, as the container's user, in its working directory, with its env. Catches what the image lacks (a package, a file left out by .dockerignore), a settings error and a missing variable in a running container before the next restart turns them into an outage.",
    runsAppPython: true,
  },
  async gather(ctx) {
    const [c, server, probe] = await Promise.all([ctx.inspect(), ctx.server(), ctx.appProbe()]);
    return {
      name: ctx.name,
      running: c?.State.Running === true,
      service: c?.Config.Labels?.[SERVICE] ?? null,
      module: server?.module ?? null,
      app: probe?.probe.app ?? null,
    };
  },
  judge({ name, running, service, module, app }) {
    if (!module) return skip(`${name}'s command starts no app server medic knows`);
    if (!running) return skip(`${name} is not running: its logs say why (medic diagnose ${service ?? name})`);
    if (!app) return skip(`no Python to ask in ${name}`);
    const top = module.split(':')[0] ?? module;
    if (!app.ok) {
      const frames = lastAppFrames(app.traceback);
      return fail(`importing ${module} in ${name} fails: ${app.error ?? 'unknown error'}`, frames, [
        `docker exec ${name} python3 -c 'import ${top}'   # reproduce`,
        `medic diagnose ${service ?? name}   # the cause and the fix`,
      ]);
    }
    return pass(
      `${module} imports in ${name} (${app.object ?? 'app'}${app.importMs !== undefined ? `, ${(app.importMs / 1000).toFixed(1)} s` : ''})`,
    );
  },
});
