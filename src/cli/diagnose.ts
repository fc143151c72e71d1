import { type Command, Option } from 'commander';
import { diagnoseLive } from '../diagnose/live.ts';
import { diagnoseLogs } from '../diagnose/offline.ts';
import type { Diagnosis } from '../diagnose/decide.ts';
import { diagnosisMarkdown, diagnosisText } from '../report/diagnosis.ts';
import { Masker, neutraliseDeep } from '../report/mask.ts';
import { EXIT, UsageError } from './exit.ts';
import type { Context } from './main.ts';

interface DiagnoseOptions {
  log?: string[];
  since?: string;
}

export function addDiagnose(program: Command, contextOf: () => Context): void {
  program
    .command('diagnose')
    .description(
      'name the first failing layer, the first real error, the cause and the fix (live, or from logs)',
    )
    .argument('[unit]', 'the systemd unit (default: every app unit found)')
    .addOption(
      new Option(
        '--log <file>',
        'diagnose these logs instead of this host (repeatable; - reads stdin)',
      ).argParser(collect),
    )
    .option(
      '--since <time>',
      "read the journal from this time (journalctl's syntax), not from the last good start",
    )
    .addHelpText(
      'after',
      '\nExit code: 0 healthy, 1 a problem was found, 2 medic could not run.\nExamples:\n  medic diagnose flaskapp\n  journalctl -u app -o json | medic diagnose --log -\n  medic diagnose --log status.txt --log /var/log/nginx/error.log --format markdown',
    )
    .action(async (unit: string | undefined, opts: DiagnoseOptions) => {
      const ctx = contextOf();
      if (ctx.format === 'junit' || ctx.format === 'tap')
        throw new UsageError(
          `--format ${ctx.format} is for medic check; diagnose prints text, json or markdown`,
        );
      const masker = new Masker();
      let results: Diagnosis[];
      if (opts.log && opts.log.length > 0) {
        if (unit) throw new UsageError('give either a unit or --log files, not both');
        results = [await diagnoseLogs(opts.log)];
      } else {
        results = await diagnoseLive(unit ?? null, { since: opts.since ?? null, masker });
      }
      // Masked before any renderer sees it; control characters made inert for terminals.
      const safe = results.map((d) => neutraliseDeep(masker.deep(d)));
      if (ctx.format === 'json') ctx.out(JSON.stringify(safe.length === 1 ? safe[0] : safe, null, 2));
      else if (ctx.format === 'markdown') ctx.out(safe.map(diagnosisMarkdown).join('\n---\n\n'));
      else ctx.out(safe.map((d) => diagnosisText(d, ctx.style)).join('\n\n'));
      process.exitCode = safe.every((d) => d.status === 'healthy' || (d.status === 'unknown' && !d.cause))
        ? EXIT.ok
        : EXIT.problems;
    });
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
