import { type Command, Option } from 'commander';
import type { IncidentsOptions } from '../commands/incidents.ts';
import { onHosts, runOnHosts, withHosts } from './fleet.ts';
import type { Context } from './main.ts';

export function addIncidents(program: Command, contextOf: () => Context): void {
  const cmd = withHosts(program.command('incidents'))
    .description("the incidents medic watch recorded: list them, or show one's timeline and diagnosis")
    .option(
      '-c, --config <file>',
      'medic.yaml, for watch.store (default: ./medic.yaml, then /etc/medic/medic.yaml)',
    )
    .option('--store <file>', "medic's database (default: /var/lib/medic/medic.db)")
    .option('--service <name>', 'only this service')
    .option('--host <name>', "only this host's (a shared store, store: in medic.yaml, holds every host's)")
    .addOption(
      new Option('--state <state>', 'only incidents in this state').choices(['open', 'gave_up', 'resolved']),
    )
    .option('-n, --limit <n>', 'at most this many, newest first', '20')
    .addHelpText(
      'after',
      '\nExit code: 0 none open, 1 an incident is open (or given up on), 2 medic could not run.\nExamples:\n  medic incidents\n  medic incidents show 12 --format markdown',
    )
    .action(async (opts: IncidentsOptions, self: Command) =>
      onHosts(self)
        ? runOnHosts(self, contextOf())
        : (await import('../commands/incidents.ts')).incidents(opts, contextOf()),
    );
  cmd
    .command('show')
    .description('one incident: what happened, its UTC timeline, its alerts and the diagnosis')
    .argument('<id>', 'the incident number (medic incidents lists them); HOST/ID in a shared store')
    .action(async (id: string, _opts: unknown, show: Command) =>
      onHosts(show)
        ? runOnHosts(show, contextOf())
        : (await import('../commands/incidents.ts')).incidentShow(
            id,
            cmd.opts<IncidentsOptions>(),
            contextOf(),
          ),
    );
}
