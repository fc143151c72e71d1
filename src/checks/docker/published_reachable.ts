import { type Bind, formatBind } from '../../app/bind.ts';
import type { ConnectFailure } from '../../host/net.ts';
import { defineCheck, fail, pass, skip } from '../types.ts';
import { type ContainerContext, publishedBinds } from './context.ts';
import { SETTLED_MS } from './running.ts';

export interface PublishedReachableFacts {
  name: string;
  /** Running, and not a moment after a restart by its policy: a crash loop's port hangs up for other reasons. */
  running: boolean;
  /** Each published port and what a connection to it got. */
  ports: { bind: Bind; result: 'ok' | 'hung up' | ConnectFailure }[];
}

export const check = defineCheck<PublishedReachableFacts, ContainerContext>({
  meta: {
    id: 'docker.published_reachable',
    layer: 'upstream',
    title: 'the ports the container publishes answer from the host',
    docs: "Docker's proxy accepts on the published host port (and hangs up at once when nothing answers behind it) and forwards to the container's own address. An app inside that binds 127.0.0.1 (its own loopback) is healthy from inside and unreachable from everywhere else: bind 0.0.0.0 inside the container, and publish on 127.0.0.1 on the host.",
  },
  async gather(ctx) {
    const c = await ctx.inspect();
    if (!c) return { name: ctx.name, running: false, ports: [] };
    const binds = publishedBinds(c);
    const ports = await Promise.all(
      binds.map(async (bind) => {
        const r = bind.kind === 'tcp' ? await ctx.published(bind.host, bind.port) : null;
        const result = !r ? 'ok' : r.ok ? (r.value.held ? 'ok' : 'hung up') : r.error.kind;
        return { bind, result: result as PublishedReachableFacts['ports'][number]['result'] };
      }),
    );
    const up = ctx.host.now().getTime() - Date.parse(c.State.StartedAt);
    const steady = c.State.Running && !c.State.Restarting && !(c.RestartCount > 0 && up < SETTLED_MS);
    return { name: ctx.name, running: steady, ports };
  },
  judge({ name, running, ports }) {
    if (!running) return skip(`${name} is not running steadily (docker.running says why)`);
    if (ports.length === 0) return skip(`${name} publishes no port`);
    const bad = ports.filter((p) => p.result !== 'ok');
    if (bad.length === 0)
      return pass(
        `${ports.map((p) => formatBind(p.bind)).join(', ')} answer${ports.length === 1 ? 's' : ''}`,
      );
    return fail(
      `${bad.map((p) => `${formatBind(p.bind)}: ${p.result}`).join(', ')}: the app inside does not listen on the container's own address`,
      [`published: ${ports.map((p) => formatBind(p.bind)).join(', ')}`],
      [
        `docker exec ${name} sh -c 'ss -ltn 2>/dev/null || netstat -ltn'   # 127.0.0.1:PORT inside is the container's own loopback`,
        `# bind 0.0.0.0 inside the container (gunicorn -b 0.0.0.0:8000, uvicorn --host 0.0.0.0)`,
      ],
    );
  },
});
