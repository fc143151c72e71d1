import { fail, pass, skip, type Check } from './types.ts';

export const check: Check = {
  meta: {
    id: 'health.endpoint_ok',
    layer: 'app',
    title: 'the health URL answers with the expected status (and body), through Nginx',
    docs: "Requests the health URL (medic.yaml, or the first of /health, /healthz, /up, / that exists) through Nginx on this host with the site's Host header and SNI, so it tests the whole path a visitor takes: Nginx, the upstream, the app and what its health view checks (database, cache).",
  },
  async run(ctx) {
    const h = ctx.service.health;
    if (!h) return skip('no health URL (no Nginx site and no TCP bind); set health.url in medic.yaml');
    const r = await ctx.health();
    if (!r) return skip('no health URL');
    if (!r.ok)
      return fail(
        `${h.url}: ${r.error.kind} (${r.error.message})`,
        [],
        [`medic diagnose ${ctx.service.name}`],
      );
    const body = r.value.body.replace(/\s+/g, ' ').trim().slice(0, 200);
    const evidence = [`HTTP ${r.value.status} in ${r.value.ms} ms`, ...(body ? [`body: ${body}`] : [])];
    if (r.value.status !== h.status)
      return fail(`${h.url} → HTTP ${r.value.status}, expected ${h.status}`, evidence, [
        `curl -si ${h.url}`,
        `medic diagnose ${ctx.service.name}`,
      ]);
    if (h.body && !r.value.body.includes(h.body))
      return fail(`${h.url} → HTTP ${r.value.status} without "${h.body}" in the body`, evidence, [
        `curl -si ${h.url}`,
      ]);
    return pass(`${h.url} → HTTP ${r.value.status} in ${r.value.ms} ms`, evidence);
  },
};
