import { probeRedis } from '../host/redis.ts';
import { fail, pass, skip, type Check } from './types.ts';

export const check: Check = {
  meta: {
    id: 'cache.redis_reachable',
    layer: 'cache',
    title: "Redis answers PING at the app's REDIS_URL (and the broker URL)",
    docs: "Connects to each Redis URL in the unit's environment (REDIS_URL, CELERY_BROKER_URL, CACHE_URL, …), authenticates, and sends PING. Also reports a Redis that refuses writes (MISCONF after a failed snapshot, OOM at maxmemory).",
  },
  async run(ctx) {
    const urls = Object.entries(ctx.service.env).filter(
      ([k, v]) => /^rediss?:\/\//.test(v) && /REDIS|BROKER|CACHE|CELERY|RQ/.test(k),
    );
    if (urls.length === 0) return skip('no Redis URL in the unit environment');
    const results = await Promise.all(
      urls.map(async ([k, v]) => ({ name: k, r: await probeRedis(v, ctx.timeoutMs) })),
    );
    const bad = results.filter((x) => !x.r.ok);
    if (bad.length > 0)
      return fail(
        bad.map((b) => `${b.name}: ${b.r.ok ? '' : b.r.error.kind}`).join(', '),
        bad.map((b) => (b.r.ok ? '' : (b.r.error.message.split('\n')[0] ?? ''))),
        ['systemctl status redis-server', 'systemctl start redis-server', 'redis-cli ping'],
      );
    return pass(results.map((x) => `${x.name} answers PING (${Math.round(x.r.ms)} ms)`).join(', '));
  },
};
