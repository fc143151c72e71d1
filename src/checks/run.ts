// Runs the checks that apply, all at once, each under its own deadline; a check that throws or overruns is
// reported as such instead of stopping the others.
import { LAYERS } from '../causes/types.ts';
import type { CheckContext } from './context.ts';
import { CHECKS } from './index.ts';
import type { Check, CheckResult, CheckStatus } from './types.ts';

export interface Selection {
  only?: string[];
  skip?: string[];
}

/** The checks a selection names; an id or prefix ("nginx", "unit.*") that matches nothing is an error. */
export function selectChecks<C extends Pick<Check, 'meta'> = Check>(
  sel: Selection,
  catalog: readonly C[] = CHECKS as unknown as readonly C[],
): { checks: C[]; unknown: string[] } {
  const matches = (pattern: string, id: string) => {
    const p = pattern.replace(/\.\*$/, '');
    return id === p || id.startsWith(`${p}.`);
  };
  const unknown = [...(sel.only ?? []), ...(sel.skip ?? [])].filter(
    (p) => !catalog.some((c) => matches(p, c.meta.id)),
  );
  const checks = catalog.filter(
    (c) =>
      (!sel.only?.length || sel.only.some((p) => matches(p, c.meta.id))) &&
      !sel.skip?.some((p) => matches(p, c.meta.id)),
  );
  return { checks, unknown };
}

export async function runChecks<Ctx extends { timeoutMs: number } = CheckContext>(
  checks: readonly Check<unknown, Ctx>[],
  ctx: Ctx,
  onResult: (r: CheckResult) => void = () => {},
): Promise<CheckResult[]> {
  const deadline = Math.max(ctx.timeoutMs * 4, 20_000);
  const results = await Promise.all(
    checks.map(async (c) => {
      const t0 = performance.now();
      let timer: NodeJS.Timeout | undefined;
      let verdict;
      try {
        verdict = await Promise.race([
          c.run(ctx),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${deadline / 1000} s`)), deadline);
          }),
        ]);
      } catch (error) {
        verdict = {
          status: 'skip' as CheckStatus,
          summary: `could not run: ${error instanceof Error ? error.message : String(error)}`,
        };
      } finally {
        clearTimeout(timer);
      }
      const result: CheckResult = {
        id: c.meta.id,
        layer: c.meta.layer,
        title: c.meta.title,
        status: verdict.status,
        summary: verdict.summary,
        evidence: verdict.evidence ?? [],
        fix: verdict.status === 'pass' || verdict.status === 'skip' ? [] : (verdict.fix ?? []),
        ms: Math.round(performance.now() - t0),
      };
      if (process.env['MEDIC_TRACE'])
        process.stderr.write(`medic trace: ${String(result.ms).padStart(5)} ms  check ${result.id}\n`);
      onResult(result);
      return result;
    }),
  );
  const order = (r: CheckResult) => LAYERS.indexOf(r.layer);
  return results.sort(
    (a, b) =>
      order(a) - order(b) ||
      checks.findIndex((c) => c.meta.id === a.id) - checks.findIndex((c) => c.meta.id === b.id),
  );
}

export function summaryOf(results: CheckResult[]): Record<CheckStatus, number> {
  const s: Record<CheckStatus, number> = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const r of results) s[r.status] += 1;
  return s;
}
