// The shape of a check: an ESLint-rule-like module with meta (stable id, layer, title, docs) and a run over
// the deployment's facts. The facts are gathered once, lazily, and shared (see context.ts); the judgement
// of each check is a small pure function of them, so it can be tested on fixtures.
import type { Layer } from '../causes/types.ts';
import type { CheckContext } from './context.ts';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface Verdict {
  status: CheckStatus;
  /** One line: what medic saw. */
  summary: string;
  /** The facts behind it: paths, values (masked), lines of output. */
  evidence?: string[];
  /** Commands or edits that fix it, to paste. */
  fix?: string[];
}

export interface CheckMeta {
  /** Stable: scripts and --only/--skip rely on it. */
  id: string;
  layer: Layer;
  /** What passes: "the unit's ExecStart executable exists". */
  title: string;
  /** Why it matters and what it looks at, for docs/checks.md. */
  docs: string;
}

export interface Check {
  meta: CheckMeta;
  run(ctx: CheckContext): Promise<Verdict>;
}

export interface CheckResult extends Required<Pick<Verdict, 'status' | 'summary' | 'evidence' | 'fix'>> {
  id: string;
  layer: Layer;
  title: string;
  ms: number;
}

export const pass = (summary: string, evidence: string[] = []): Verdict => ({
  status: 'pass',
  summary,
  evidence,
});
export const skip = (summary: string): Verdict => ({ status: 'skip', summary });
export const warn = (summary: string, evidence: string[] = [], fix: string[] = []): Verdict => ({
  status: 'warn',
  summary,
  evidence,
  fix,
});
export const fail = (summary: string, evidence: string[] = [], fix: string[] = []): Verdict => ({
  status: 'fail',
  summary,
  evidence,
  fix,
});
