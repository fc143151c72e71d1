import { defineCheck, fail, pass, skip } from '../types.ts';
import { type ContainerContext, type ServiceReach, SERVICE } from './context.ts';
import { serviceUrlOf } from './service-url.ts';

export interface ServicesReachableFacts {
  name: string;
  service: string | null;
  /** The database and Redis its env names by a compose service's name, and what a connection got. */
  reached: { kind: 'database' | 'cache'; url: string; to: string; reach: ServiceReach }[];
}

const WHAT = { database: 'PostgreSQL', cache: 'Redis' } as const;

export const check = defineCheck<ServicesReachableFacts, ContainerContext>({
  meta: {
    id: 'docker.services_reachable',
    layer: 'database',
    title: 'the PostgreSQL and Redis its env names (db, cache) answer on the network it shares with them',
    docs: 'For DATABASE_URL\'s and REDIS_URL\'s host when it is a compose service\'s name: the container that answers to it on a network the app shares, running, and accepting a connection on the port. A stopped db container, one on another network, or a server not listening yet is the app\'s first query failing ("could not translate host name", "Connection refused").',
    gatesDeploy: true,
  },
  async gather(ctx) {
    const c = await ctx.inspect();
    const env = c?.Config.Env ?? [];
    const reached = await Promise.all(
      (['database', 'cache'] as const).map(async (kind) => {
        const to = serviceUrlOf(env, kind);
        return to
          ? { kind, url: to.url, to: `${to.name}:${to.port}`, reach: await ctx.reach(to.name, to.port) }
          : null;
      }),
    );
    return {
      name: ctx.name,
      service: c?.Config.Labels?.[SERVICE] ?? null,
      reached: reached.filter((r): r is NonNullable<typeof r> => r !== null),
    };
  },
  judge({ name, reached }) {
    if (reached.length === 0) return skip(`${name}'s env names no PostgreSQL or Redis by a service name`);
    const bad = reached.filter((r) => r.reach.result !== 'ok');
    if (bad.length === 0)
      return pass(reached.map((r) => `${WHAT[r.kind]} ${r.to} answers (${r.reach.container})`).join(', '));
    const fix = bad.flatMap((r) => {
      const it = r.reach.service ?? r.reach.container;
      if (!it)
        return [
          `docker network inspect $(docker inspect -f '{{range $n, $_ := .NetworkSettings.Networks}}{{$n}} {{end}}' ${name})   # who is on its networks`,
        ];
      return r.reach.service
        ? [`docker compose ps -a ${it}`, `docker compose logs --tail 50 ${it}`, `docker compose up -d ${it}`]
        : [`docker logs --tail 50 ${it}`, `docker start ${it}`];
    });
    return fail(
      bad.map((r) => `${WHAT[r.kind]} ${r.to}: ${r.reach.result}`).join(', '),
      bad.map((r) => r.reach.message),
      [...new Set(fix)],
    );
  },
});
