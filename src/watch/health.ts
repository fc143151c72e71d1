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
  /** The answer's headers (lower-case names), when there was an answer. */
  headers?: Record<string, string>;
}

export async function probeHealth(
  h: Health,
  timeoutMs: number,
  headers?: Record<string, string>,
): Promise<HealthResult> {
  const at = new Date().toISOString();
  const r = await httpGet(h.url, {
    timeoutMs,
    ...(headers ? { headers } : {}),
    ...(h.connectTo ? { connectTo: h.connectTo } : {}),
    ...(h.socketPath ? { socketPath: h.socketPath } : {}),
    rejectUnauthorized: false,
    maxBody: 2048,
  });
  if (!r.ok)
    return { ok: false, at, ms: r.ms, problem: r.error.kind === 'other' ? r.error.message : r.error.kind };
  const { status, body } = r.value;
  const answer = { at, ms: r.ms, status, headers: r.value.headers };
  if (status !== h.status) return { ok: false, ...answer, problem: `HTTP ${status}` };
  if (h.body !== undefined && !body.includes(h.body))
    return { ok: false, ...answer, problem: `the answer lacks "${h.body}"` };
  return { ok: true, ...answer };
}
