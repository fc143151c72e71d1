import type { Service } from '../discover/service.ts';
import type { HttpResponse } from '../host/http.ts';
import type { ProbeResult } from '../host/probe.ts';
import { defineCheck, fail, pass, skip } from './types.ts';

export interface HealthFacts {
  service: Pick<Service, 'name' | 'health'>;
  /** The health URL's answer (the faster of two when the first was slow); null when there is no URL. */
  answer: ProbeResult<HttpResponse> | null;
}

export async function gatherHealth(ctx: {
  service: HealthFacts['service'];
  health(): Promise<HealthFacts['answer']>;
}): Promise<HealthFacts> {
  return { service: ctx.service, answer: ctx.service.health ? await ctx.health() : null };
}

export const check = defineCheck<HealthFacts>({
  meta: {
    id: 'health.endpoint_ok',
    layer: 'app',
    title: 'the health URL answers with the expected status (and body), through Nginx',
    docs: "Requests the health URL (medic.yaml, or the first of /health, /healthz, /up, / that exists) through Nginx on this host with the site's Host header and SNI, so it tests the whole path a visitor takes: Nginx, the upstream, the app and what its health view checks (database, cache).",
  },
  gather: gatherHealth,
  judge({ service, answer: r }) {
    const h = service.health;
    if (!h) return skip('no health URL (no Nginx site and no TCP bind); set health.url in medic.yaml');
    if (!r) return skip('no health URL');
    if (!r.ok)
      return fail(`${h.url}: ${r.error.kind} (${r.error.message})`, [], [`medic diagnose ${service.name}`]);
    const body = r.value.body.replace(/\s+/g, ' ').trim().slice(0, 200);
    const evidence = [`HTTP ${r.value.status} in ${r.value.ms} ms`, ...(body ? [`body: ${body}`] : [])];
    if (r.value.status !== h.status)
      return fail(`${h.url} → HTTP ${r.value.status}, expected ${h.status}`, evidence, [
        `curl -si ${h.url}`,
        `medic diagnose ${service.name}`,
      ]);
    if (h.body && !r.value.body.includes(h.body))
      return fail(`${h.url} → HTTP ${r.value.status} without "${h.body}" in the body`, evidence, [
        `curl -si ${h.url}`,
      ]);
    return pass(`${h.url} → HTTP ${r.value.status} in ${r.value.ms} ms`, evidence);
  },
});
