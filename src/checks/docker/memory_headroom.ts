import type { ContainerInspect } from '../../host/docker.ts';
import { defineCheck, fail, pass, skip, warn } from '../types.ts';
import { type ContainerContext, nameOf, SERVICE } from './context.ts';

export interface MemoryHeadroomFacts {
  container: Pick<ContainerInspect, 'Id' | 'Name' | 'State' | 'HostConfig' | 'Config'> | null;
  /** Bytes in use now, without the page cache; null when the engine gave no stats. */
  usage: number | null;
  /** When the kernel last OOM-killed it over the last day (the engine's oom events). */
  oomAt: string | null;
}

const MB = 1024 * 1024;

export const check = defineCheck<MemoryHeadroomFacts, ContainerContext>({
  meta: {
    id: 'docker.memory_headroom',
    layer: 'host',
    title: 'the container has room under its memory limit and was not OOM-killed',
    docs: "Under mem_limit (--memory) the kernel kills the container's biggest process when the cgroup is full: exit code 137, OOMKilled, a restart by the policy. medic warns above 90% of the limit and fails after an OOM kill within the last day.",
  },
  async gather(ctx) {
    const [container, memory, events] = await Promise.all([ctx.inspect(), ctx.memory(), ctx.events()]);
    const oom = events.filter((e) => e.Action === 'oom').at(-1);
    return {
      container,
      usage: memory ? memory.usage : null,
      oomAt: oom ? new Date(oom.time * 1000).toISOString() : null,
    };
  },
  judge({ container: c, usage, oomAt }) {
    if (!c) return fail('the engine no longer knows the container');
    const name = nameOf(c);
    const limit = c.HostConfig.Memory ?? 0;
    const service = c.Config.Labels?.[SERVICE];
    const raise = service
      ? `# raise mem_limit of services.${service} in docker-compose.yml (or make the route stream instead of building it in memory), then docker compose up -d ${service}`
      : `docker update --memory ${Math.ceil((limit * 2) / MB)}m --memory-swap ${Math.ceil((limit * 2) / MB)}m ${name}`;
    if (c.State.OOMKilled || oomAt)
      return fail(
        `the kernel OOM-killed ${name}${oomAt ? ` at ${oomAt.slice(0, 19).replace('T', ' ')} UTC` : ''}${limit ? ` under its ${Math.round(limit / MB)} MB limit` : ''}`,
        [
          ...(c.State.OOMKilled ? ['State.OOMKilled: true'] : []),
          ...(oomAt ? [`docker events: oom at ${oomAt}`] : []),
        ],
        [`docker stats --no-stream ${name}`, raise],
      );
    if (!limit) return pass(`${name} has no memory limit`);
    if (usage === null || !c.State.Running) return skip(`no memory figures for ${name}`);
    const share = usage / limit;
    const text = `${Math.round(usage / MB)} of ${Math.round(limit / MB)} MB (${Math.round(share * 100)}%)`;
    if (share >= 0.9)
      return warn(`${name} uses ${text}: one more big request and the kernel kills it`, [], [raise]);
    return pass(`${name} uses ${text}`);
  },
});
