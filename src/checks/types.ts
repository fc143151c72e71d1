// The shape of a check: an ESLint-rule-like module with meta (stable id, layer, title, docs), a gather of the
// facts it needs (the impure part, through the shared, memoised CheckContext) and a pure judge of them, so
// every verdict can be tested on real command output without a server.
import type { Layer } from '../causes/types.ts';
import type { Stats } from 'node:fs';
import type { CommandOutput } from '../host/run.ts';
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

/** What a command printed and how it exited, as a check's facts keep it. */
export type Output = Pick<CommandOutput, 'code' | 'stdout' | 'stderr'>;

/** What a check keeps of a stat(2): the kind of file, its permission bits and its owner. */
export interface FileFacts {
  kind: 'file' | 'directory' | 'other';
  /** The permission bits, 0o640. */
  mode: number;
  uid: number;
  gid: number;
}

export function fileFacts(s: Stats | undefined): FileFacts | null {
  if (!s) return null;
  return {
    kind: s.isFile() ? 'file' : s.isDirectory() ? 'directory' : 'other',
    mode: s.mode & 0o7777,
    uid: s.uid,
    gid: s.gid,
  };
}

export interface CheckMeta {
  /** Stable: scripts and --only/--skip rely on it. */
  id: string;
  layer: Layer;
  /** What passes: "the unit's ExecStart executable exists". */
  title: string;
  /** Why it matters and what it looks at, for docs/checks.md. */
  docs: string;
  /** A failure stops `medic deploy` before the switch: it holds for a release that is not running yet. */
  gatesDeploy?: true;
  /** Asks the app's own Python (seconds, not milliseconds): `medic check` runs it, a live diagnosis does not. */
  runsAppPython?: true;
  /**
   * A risk, not an outage: the site serves while it fails (a default secret, a public bind, no restart
   * policy). `medic check` fails it; a live diagnosis, which says what is broken now, shows it as a warning.
   */
  risk?: true;
}

/** A check of a systemd unit reads a CheckContext; a container's, a ContainerContext (checks/docker/). */
export interface Check<Facts = unknown, Ctx = CheckContext> {
  meta: CheckMeta;
  /** Reads what the judgement needs from the host (memoised in the context); never judges. */
  gather(ctx: Ctx): Promise<Facts>;
  /** The verdict on the facts: pure, so a table of real outputs can pin it. */
  judge(facts: Facts): Verdict;
  /** gather, then judge: what `medic check` runs. */
  run(ctx: Ctx): Promise<Verdict>;
}

/** A check from its meta, its gather and its judge; `run` is the two in sequence. */
export function defineCheck<Facts, Ctx = CheckContext>(
  rule: Omit<Check<Facts, Ctx>, 'run'>,
): Check<Facts, Ctx> {
  return {
    ...rule,
    async run(ctx) {
      return rule.judge(await rule.gather(ctx));
    },
  };
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
