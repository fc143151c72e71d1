import type { ProbeResult } from '../host/probe.ts';
import type { RedisFailure, RedisInfo } from '../host/redis.ts';
import { defineCheck, fail, pass, skip } from './types.ts';

export interface RedisReachableFacts {
  /** Each Redis URL of the unit's environment, by variable name, and what PING got. */
  answers: { name: string; result: ProbeResult<RedisInfo, RedisFailure> }[];
}

/** The variables of the environment that name a Redis the app or its workers use. */
export function redisUrls(env: Record<string, string>): [string, string][] {
  return Object.entries(env).filter(
    ([k, v]) => /^rediss?:\/\//.test(v) && /REDIS|BROKER|CACHE|CELERY|RQ/.test(k),
  );
}

export const check = defineCheck<RedisReachableFacts>({
  meta: {
    id: 'cache.redis_reachable',
    layer: 'cache',
    title: "Redis answers PING at the app's REDIS_URL (and the broker URL)",
    docs: "Connects to each Redis URL in the unit's environment (REDIS_URL, CELERY_BROKER_URL, CACHE_URL, …), authenticates, and sends PING. Also reports a Redis that refuses writes (MISCONF after a failed snapshot, OOM at maxmemory).",
    gatesDeploy: true,
  },
  async gather(ctx) {
    const answers = await Promise.all(
      redisUrls(ctx.service.env).map(async ([name, url]) => ({
        name,
        result: await ctx.redis(url),
      })),
    );
    return { answers };
  },
  judge({ answers }) {
    if (answers.length === 0) return skip('no Redis URL in the unit environment');
    const bad = answers.filter((x) => !x.result.ok);
    if (bad.length > 0)
      return fail(
        bad.map((b) => `${b.name}: ${b.result.ok ? '' : b.result.error.kind}`).join(', '),
        bad.map((b) => (b.result.ok ? '' : (b.result.error.message.split('\n')[0] ?? ''))),
        ['systemctl status redis-server', 'systemctl start redis-server', 'redis-cli ping'],
      );
    return pass(answers.map((x) => `${x.name} answers PING (${Math.round(x.result.ms)} ms)`).join(', '));
  },
});
