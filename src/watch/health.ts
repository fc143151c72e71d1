// One health request as medic watch makes it: the status medic.yaml expects, the text the body must hold.
import type { Health } from '../discover/service.ts';
import { httpGet } from '../host/http.ts';

export interface HealthResult {
  ok: boolean;
  at: string;
  ms: number;
  status?: number;
  /** Why it failed, in a few words: "HTTP 503", "timeout", "refused", "body lacks 'ok'". */
  problem?: string;
}

export async function probeHealth(h: Health, timeoutMs: number): Promise<HealthResult> {
  const at = new Date().toISOString();
  const r = await httpGet(h.url, {
    timeoutMs,
    ...(h.connectTo ? { connectTo: h.connectTo } : {}),
    ...(h.socketPath ? { socketPath: h.socketPath } : {}),
    rejectUnauthorized: false,
    maxBody: 2048,
  });
  if (!r.ok)
    return { ok: false, at, ms: r.ms, problem: r.error.kind === 'other' ? r.error.message : r.error.kind };
  const { status, body } = r.value;
  if (status !== h.status) return { ok: false, at, ms: r.ms, status, problem: `HTTP ${status}` };
  if (h.body !== undefined && !body.includes(h.body))
    return { ok: false, at, ms: r.ms, status, problem: `the answer lacks "${h.body}"` };
  return { ok: true, at, ms: r.ms, status };
}
