import type { Command } from 'commander';
import type { FleetInstallOptions } from '../commands/fleet.ts';
import type { Context } from './main.ts';

/** --hosts and --all-hosts on a command that medic can run on many hosts over ssh. */
export function withHosts(cmd: Command): Command {
  return cmd
    .option(
      '--hosts <names>',
      'run it on these hosts over ssh: names or labels of hosts: in medic.yaml, or ssh targets (root@10.0.0.5), comma-separated',
    )
    .option('--all-hosts', 'run it on every host of hosts: in medic.yaml, over ssh');
}

/** Was the command asked of hosts over ssh (its options, or its parent's)? */
export function onHosts(cmd: Command): boolean {
  const o = cmd.optsWithGlobals<{ hosts?: string; allHosts?: boolean }>();
  return o.hosts !== undefined || o.allHosts === true;
}

/** The command run on the hosts instead of here. */
export async function runOnHosts(cmd: Command, ctx: Context): Promise<void> {
  await (await import('../commands/fleet.ts')).runOnHosts(cmd, ctx);
}

export function addFleet(program: Command, contextOf: () => Context): void {
  const fleet = program
    .command('fleet')
    .description('medic on many hosts over ssh (hosts: in medic.yaml): install it on every one');
  withHosts(
    fleet
      .command('install')
      .description(
        'copy the single executable to each host (sha256 checked there), put medic.yaml and the watch unit in place and start it; again: nothing to do',
      ),
  )
    .option(
      '-c, --config <file>',
      'the medic.yaml that lists hosts: (default: ./medic.yaml, then /etc/medic/medic.yaml)',
    )
    .option(
      '--medic-yaml <file>',
      "the medic.yaml to put on each host (a host's own config: in hosts: comes first)",
    )
    .option(
      '--binary <file>',
      'the executable to install (default: dist/medic of this checkout, or this medic)',
    )
    .option(
      '--root <dir>',
      'install under this directory instead of / (relative: to the login directory there), and start nothing: a trial',
      '/',
    )
    .addHelpText(
      'after',
      '\nOn each host: /usr/local/bin/medic, /etc/medic/medic.yaml, /etc/systemd/system/medic-watch.service (and /etc/sudoers.d/medic), the unit enabled and started.\nExit code: 0 every host installed (or already), 2 a host could not be.\nExamples:\n  npm run build && medic fleet install --all-hosts\n  medic fleet install --hosts root@10.0.0.5 --medic-yaml web.yaml',
    )
    .action(async (opts: FleetInstallOptions) =>
      (await import('../commands/fleet.ts')).fleetInstall(opts, contextOf()),
    );
}
