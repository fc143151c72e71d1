// medic diagnose: the live host or pasted logs, to the first failing layer, the first real error, the cause and the fix.
import { jsonOf } from '../report/json.ts';
import { diagnoseLogs, NO_TARGET } from '../diagnose/offline.ts';
import { CAUSES } from '../causes/index.ts';
import { MESSAGES } from '../causes/messages/index.ts';
import { causePage } from '../report/causes.ts';
import type { Diagnosis } from '../diagnose/decide.ts';
import { diagnosisMarkdown, diagnosisText } from '../report/diagnosis.ts';
import { Masker, neutraliseDeep } from '../report/mask.ts';
import { EXIT } from '../cli/exit.ts';
import { UsageError } from '../errors.ts';
import type { Context } from '../cli/main.ts';

export interface DiagnoseOptions {
  log?: string[];
  since?: string;
  explain?: string;
}

export async function diagnose(unit: string | undefined, opts: DiagnoseOptions, ctx: Context): Promise<void> {
  if (ctx.format === 'junit' || ctx.format === 'tap')
    throw new UsageError(`--format ${ctx.format} is for medic check; diagnose prints text, json or markdown`);
  if (opts.explain !== undefined) {
    explainCause(opts.explain, unit, opts, ctx);
    return;
  }
  const masker = new Masker();
  let results: Diagnosis[];
  if (opts.log && opts.log.length > 0) {
    if (unit) throw new UsageError('give either a unit or --log files, not both');
    results = [await diagnoseLogs(opts.log)];
  } else {
    // Deploy markers from medic's store (watch.store in medic.yaml, else the default), read-only.
    const [{ Store, storePathOf }, { findConfig }] = await Promise.all([
      import('../store/store.ts'),
      import('../config/medic-yaml.ts'),
    ]);
    const store = storePathOf(
      await findConfig(undefined).then(
        (f) => f?.config ?? null,
        () => null,
      ),
    );
    // (the live probes and their libraries load only when the host is diagnosed)
    const { diagnoseLive } = await import('../diagnose/live.ts');
    results = await diagnoseLive(unit ?? null, {
      since: opts.since ?? null,
      masker,
      deploys: (service, since) => Store.readDeploys(store, service, since),
    });
  }
  // Masked before any renderer sees it; control characters made inert for terminals.
  const safe = results.map((d) => neutraliseDeep(masker.deep(d)));
  if (ctx.format === 'json') ctx.out(jsonOf('diagnose', 'services', safe));
  else if (ctx.format === 'markdown') ctx.out(safe.map(diagnosisMarkdown).join('\n---\n\n'));
  else ctx.out(safe.map((d) => diagnosisText(d, ctx.style)).join('\n\n'));
  process.exitCode = safe.every((d) => d.status === 'healthy' || (d.status === 'unknown' && !d.cause))
    ? EXIT.ok
    : EXIT.problems;
}

function explainCause(id: string, unit: string | undefined, opts: DiagnoseOptions, ctx: Context): void {
  if (unit || (opts.log && opts.log.length > 0))
    throw new UsageError('--explain prints a page of the catalog: give it alone, without a unit or --log');
  const cause = CAUSES.find((c) => c.meta.id === id);
  if (!cause)
    throw new UsageError(
      `--explain ${id}: no such cause (one of: ${CAUSES.map((c) => c.meta.id).join(', ')})`,
    );
  if (ctx.format === 'json') {
    ctx.out(
      jsonOf('diagnose', 'causes', [
        {
          ...cause.meta,
          messages: MESSAGES.filter((m) => m.cause === id).map((m) => ({
            program: m.program,
            source: m.source,
            template: m.template,
          })),
          fix: cause.fix({}, NO_TARGET),
        },
      ]),
    );
  } else ctx.out(causePage(cause));
  process.exitCode = EXIT.ok;
}
