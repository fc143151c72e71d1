import type { ContainerInspect } from '../../host/docker.ts';
import { defineCheck, fail, pass, skip, warn } from '../types.ts';
import { type ContainerContext, nameOf, SERVICE } from './context.ts';

export interface HealthcheckFacts {
  container: Pick<ContainerInspect, 'Id' | 'Name' | 'State' | 'Config'> | null;
}

export const check = defineCheck<HealthcheckFacts, ContainerContext>({
  meta: {
    id: 'docker.healthcheck',
    layer: 'app',
    title: 'the container has a HEALTHCHECK and it passes',
    docs: 'A HEALTHCHECK (in the image or in compose) lets Docker, compose and medic tell a container that runs from one that serves. Unhealthy while the process lives means the probe fails: a wrong port or path in the probe, a tool (curl, wget) the image lacks, or an app that hangs.',
  },
  async gather(ctx) {
    return { container: await ctx.inspect() };
  },
  judge({ container: c }) {
    if (!c) return fail('the engine no longer knows the container');
    const name = nameOf(c);
    const test = c.Config.Healthcheck?.Test ?? [];
    const service = c.Config.Labels?.[SERVICE] ?? name;
    if (test.length === 0 || test[0] === 'NONE')
      return warn(
        `${name} has no HEALTHCHECK: Docker cannot tell it serves`,
        [],
        [
          `# in docker-compose.yml, under services.${service}:`,
          `#   healthcheck: {test: ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health')"], interval: 10s}`,
        ],
      );
    if (!c.State.Running || c.State.Restarting)
      return skip(`${name} is not running steadily (docker.running says why)`);
    const h = c.State.Health;
    const probe = test.slice(1).join(' ');
    if (!h || h.Status === 'starting') return warn(`${name}: health starting (${probe})`);
    if (h.Status === 'healthy') return pass(`healthy: ${probe}`);
    const last = h.Log.at(-1);
    return fail(
      `${name} is unhealthy (${h.FailingStreak} failures in a row) while its process runs`,
      [
        `HEALTHCHECK: ${probe}`,
        ...(last
          ? [`last probe: exit ${last.ExitCode}: ${last.Output.trim().split('\n').slice(-2).join(' ')}`]
          : []),
      ],
      [
        `docker inspect -f '{{json .State.Health.Log}}' ${name}`,
        `docker exec ${name} ${probe}   # the probe, by hand`,
      ],
    );
  },
});
