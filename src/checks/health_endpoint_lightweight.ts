import { SLOW_HEALTH_MS } from './context.ts';
import { gatherHealth, type HealthFacts } from './health_endpoint_ok.ts';
import { defineCheck, fail, pass, skip, warn } from './types.ts';

/** An answer slower than this is an outage in the making, not only a heavy endpoint. */
export const TOO_SLOW_HEALTH_MS = 2000;

export const check = defineCheck<HealthFacts>({
  meta: {
    id: 'health.endpoint_lightweight',
    layer: 'app',
    title: 'the health URL answers directly: no redirect, no login, fast and small',
    docs: 'A health check that redirects (to HTTPS, to a login page) or asks for credentials tells a monitor nothing about the app; one that takes over 500 ms or returns a full page loads the app it is meant to watch. A dedicated /health view answers 200 with a short body in a few milliseconds.',
    risk: true,
  },
  gather: gatherHealth,
  judge({ service, answer: r }) {
    const h = service.health;
    if (!h) return skip('no health URL');
    if (!r || !r.ok) return skip('the health URL does not answer (see health.endpoint_ok)');
    const { status, ms, headers, body } = r.value;
    const fix = [
      'add a dedicated view: GET /health → 200 "ok", no authentication, no session, one cheap query',
      `exempt it from auth in Nginx: location = /health { auth_basic off; proxy_pass …; }`,
    ];
    if (status >= 300 && status < 400)
      return fail(`${h.url} redirects (HTTP ${status} to ${headers.location ?? '?'})`, [], fix);
    if (status === 401 || status === 403)
      return fail(
        `${h.url} asks for credentials (HTTP ${status}${headers['www-authenticate'] ? `, ${headers['www-authenticate']}` : ''})`,
        [],
        fix,
      );
    if (ms > TOO_SLOW_HEALTH_MS) return fail(`${h.url} takes ${ms} ms`, [], fix);
    if (ms > SLOW_HEALTH_MS) return warn(`${h.url} takes ${ms} ms`, [], fix);
    if (new URL(h.url).pathname === '/' || r.value.bodyTruncated || /<html/i.test(body))
      return warn(
        `${h.url} serves a page, not a health check`,
        [`${body.length}${r.value.bodyTruncated ? '+' : ''} bytes`],
        fix,
      );
    return pass(`HTTP ${status} in ${ms} ms, ${body.length} bytes`);
  },
});
