import type { ContainerInspect } from '../../host/docker.ts';
import { defineCheck, fail, pass, warn } from '../types.ts';
import { type ContainerContext, nameOf } from './context.ts';

export interface RunningFacts {
  container: Pick<ContainerInspect, 'Id' | 'Name' | 'RestartCount' | 'State'> | null;
  /** When medic looked (ISO): a container its policy restarted a moment ago is between two crashes. */
  now: string;
}

/** Up for less than this after a restart by its policy: still a crash loop. */
export const SETTLED_MS = 60_000;

export const check = defineCheck<RunningFacts, ContainerContext>({
  meta: {
    id: 'docker.running',
    layer: 'process',
    title: 'the container runs and stays up (not exited, not restarting)',
    docs: "The engine's own state: Running, Restarting, the last exit code, OOMKilled and the error it could not start with (a host port already allocated, an executable not found). A container restarted by its policy and up for less than a minute is still a crash loop.",
  },
  async gather(ctx) {
    return { container: await ctx.inspect(), now: ctx.host.now().toISOString() };
  },
  judge({ container: c, now }) {
    if (!c) return fail('the engine no longer knows the container');
    const name = nameOf(c);
    const s = c.State;
    const logs = `docker logs --tail 50 ${name}`;
    if (s.Error)
      return fail(
        `${name} could not start: ${s.Error}`,
        [`State.Error: ${s.Error}`],
        [
          `docker inspect -f '{{.State.Error}}' ${name}`,
          ...(/port is already allocated|address already in use/.test(s.Error)
            ? [
                `docker ps --format '{{.Names}} {{.Ports}}' | grep -F '${/:(\d+)/.exec(s.Error)?.[1] ?? ''}'   # who holds the port`,
              ]
            : []),
        ],
      );
    if (s.Restarting || (!s.Running && s.ExitCode !== 0))
      return fail(
        `${name} ${s.Restarting ? 'is restarting' : 'exited'} (exit code ${s.ExitCode}${s.OOMKilled ? ', OOMKilled' : ''}), ${c.RestartCount} restart${c.RestartCount === 1 ? '' : 's'}`,
        [`State.Status: ${s.Status}`, `State.ExitCode: ${s.ExitCode}`, `RestartCount: ${c.RestartCount}`],
        [logs, `medic diagnose ${name}`],
      );
    if (!s.Running)
      return fail(`${name} is ${s.Status}`, [`State.Status: ${s.Status}`], [`docker start ${name}`, logs]);
    const up = Date.parse(now) - Date.parse(s.StartedAt);
    if (c.RestartCount > 0 && up < SETTLED_MS)
      return fail(
        `${name} is in a crash loop: up ${Math.max(0, Math.round(up / 1000))} s after ${c.RestartCount} restart${c.RestartCount === 1 ? '' : 's'} by its policy`,
        [`RestartCount: ${c.RestartCount}`, `State.StartedAt: ${s.StartedAt}`],
        [logs, `medic diagnose ${name}`],
      );
    if (c.RestartCount > 0)
      return warn(
        `${name} runs, after ${c.RestartCount} restart${c.RestartCount === 1 ? '' : 's'} by its policy`,
        [`RestartCount: ${c.RestartCount}`, `State.StartedAt: ${s.StartedAt}`],
        [logs],
      );
    return pass(`${name} runs since ${s.StartedAt.slice(0, 19).replace('T', ' ')} UTC`);
  },
});
