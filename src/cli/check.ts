import type { Command } from 'commander';
import { onHosts, runOnHosts, withHosts } from './fleet.ts';
import type { CheckOptions } from '../commands/check.ts';
import type { Context } from './main.ts';

export function addCheck(program: Command, contextOf: () => Context): void {
  withHosts(program.command('check'))
    .description(
      'run the preflight checklist for real: pass / warn / fail / skip per check, with evidence and the fix',
    )
    .argument(
      '[names...]',
      'systemd units, containers or compose services to check (default: the services and containers of medic.yaml, else every app unit found)',
    )
    .option('-c, --config <file>', 'medic.yaml to read (default: medic.yaml, then /etc/medic/medic.yaml)')
    .option('--only <ids>', 'run only these checks: ids or prefixes, comma-separated (e.g. nginx,db.auth)')
    .option('--skip <ids>', 'skip these checks: ids or prefixes, comma-separated')
    .option('--timeout <ms>', 'time each probe may take', '3000')
    .option('--list', 'list the checks and exit')
    .addHelpText(
      'after',
      '\nFormats: --format text|json|markdown|junit|tap. Exit code: 0 nothing failed, 1 a check failed, 2 medic could not run.\nExamples:\n  medic check\n  medic check flaskapp --only nginx,net\n  medic check web --only docker\n  medic --format junit check > medic-check.xml',
    )
    .action(async (units: string[], opts: CheckOptions, cmd: Command) =>
      onHosts(cmd)
        ? runOnHosts(cmd, contextOf())
        : (await import('../commands/check.ts')).check(units, opts, contextOf()),
    );
}
