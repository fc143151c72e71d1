// A live diagnosis's layers come from the checks' verdicts, for a unit and for a container alike: medic
// check and medic diagnose cannot disagree about the same fact.
import { LAYERS } from '../causes/types.ts';
import { DOCKER_CHECKS } from '../checks/docker/index.ts';
import { CHECKS } from '../checks/index.ts';
import type { CheckResult, CheckStatus } from '../checks/types.ts';
import type { LayerReport, LayerStatus } from './decide.ts';

const STATUS_OF: Record<CheckStatus, LayerStatus> = { fail: 'fail', warn: 'warn', pass: 'ok', skip: 'skip' };
const WORST: LayerStatus[] = ['fail', 'warn', 'ok', 'skip'];
/** Checks of a risk, not an outage: failed, they make their layer warn. */
const RISKS = new Set([...CHECKS, ...DOCKER_CHECKS].filter((c) => c.meta.risk).map((c) => c.meta.id));

/** Each layer as its checks found it: the worst verdict, with that check's summary; a failed risk warns. */
export function layersOf(results: CheckResult[]): LayerReport[] {
  const statusOf = (r: CheckResult): LayerStatus =>
    r.status === 'fail' && RISKS.has(r.id) ? 'warn' : STATUS_OF[r.status];
  return LAYERS.map((name) => {
    // (catalog order puts a layer's headline check last: unit.active, net.app_listening, health.endpoint_ok)
    const mine = results.filter((r) => r.layer === name).reverse();
    for (const status of WORST) {
      const r = mine.find((x) => statusOf(x) === status);
      if (r) return { name, status, summary: r.summary };
    }
    return { name, status: 'unknown', summary: 'not probed' };
  });
}
