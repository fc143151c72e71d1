import { type Command, Option } from 'commander';
import type { DiagnoseOptions } from '../commands/diagnose.ts';
import { onHosts, runOnHosts, withHosts } from './fleet.ts';
import type { Context } from './main.ts';

export function addDiagnose(program: Command, contextOf: () => Context): void {
  withHosts(program.command('diagnose'))
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
    .option('--explain <cause>', "print a cause's page: what it means, the messages that prove it, the fix")
    .option(
      '--since <time>',
      "read the journal from this time (journalctl's syntax), not from the last good start",
    )
    .addHelpText(
      'after',
      '\nExit code: 0 healthy, 1 a problem was found, 2 medic could not run.\nExamples:\n  medic diagnose flaskapp\n  journalctl -u app -o json | medic diagnose --log -\n  medic diagnose --log status.txt --log /var/log/nginx/error.log --format markdown\n  medic diagnose --explain db_auth_failed',
    )
    .action(async (unit: string | undefined, opts: DiagnoseOptions, cmd: Command) =>
      onHosts(cmd)
        ? runOnHosts(cmd, contextOf())
        : (await import('../commands/diagnose.ts')).diagnose(unit, opts, contextOf()),
    );
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
