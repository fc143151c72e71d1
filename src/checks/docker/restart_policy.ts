import type { ContainerInspect } from '../../host/docker.ts';
import { defineCheck, fail, pass } from '../types.ts';
import { type ContainerContext, nameOf, SERVICE } from './context.ts';

export interface RestartPolicyFacts {
  container: Pick<ContainerInspect, 'Id' | 'Name' | 'HostConfig' | 'Config'> | null;
}

export const check = defineCheck<RestartPolicyFacts, ContainerContext>({
  meta: {
    id: 'docker.restart_policy',
    layer: 'process',
    title: 'Docker restarts the container when it crashes or the host reboots (a restart policy)',
    docs: 'Without a restart policy ("no", the default) one crash or one reboot leaves the container down until a person notices. unless-stopped or always brings it back after both; on-failure after a crash only.',
    risk: true,
  },
  async gather(ctx) {
    return { container: await ctx.inspect() };
  },
  judge({ container: c }) {
    if (!c) return fail('the engine no longer knows the container');
    const name = nameOf(c);
    const policy = c.HostConfig.RestartPolicy?.Name || 'no';
    const service = c.Config.Labels?.[SERVICE];
    const fix = service
      ? [
          `# in docker-compose.yml, under services.${service}: restart: unless-stopped`,
          `docker compose up -d ${service}`,
        ]
      : [`docker update --restart unless-stopped ${name}`];
    if (policy === 'no')
      return fail(`no restart policy: a crash or a reboot leaves ${name} down`, [`RestartPolicy: no`], fix);
    if (policy === 'on-failure') {
      const max = c.HostConfig.RestartPolicy?.MaximumRetryCount ?? 0;
      return pass(`restart: on-failure${max ? `:${max}` : ''} (not after a reboot if it was stopped)`);
    }
    return pass(`restart: ${policy}`);
  },
});
