import type { Command } from 'commander';
import { UsageError } from '../errors.ts';
import type { DeployOptions } from '../commands/deploy.ts';
import { onHosts, runOnHosts, withHosts } from './fleet.ts';
import type { Context } from './main.ts';

const common = (c: Command) =>
  c
    .option('-c, --config <file>', 'medic.yaml (default: ./medic.yaml, then /etc/medic/medic.yaml)')
    .option(
      '-s, --service <name>',
      'the service of medic.yaml (a unit, or a compose service of its containers:) to deploy',
    )
    .option('--window <duration>', 'health must hold this long through Nginx after the switch', '30s')
    .option('--keep <n>', 'releases to keep', '5')
    .option(
      '--dry-run',
      'build the release and run its preflight, list its migrations, then stop: nothing moves',
    );

export function addDeploy(program: Command, contextOf: () => Context): void {
  common(
    withHosts(program.command('deploy'))
      .description(
        'a release that cannot take the site down: preflight, migrations, the new release beside the old, health gate, switch, watch, automatic rollback',
      )
      .argument(
        '[source]',
        'a directory, a git repository (with --ref) or a .tar.gz; for a compose service, the directory its image builds from (default: its build context)',
      ),
  )
    .option('--ref <ref>', 'the git ref to deploy from a repository')
    .option('--init', 'convert the running deployment to the release layout, without downtime')
    .option('--parallel <n>', 'with --hosts: deploy this many hosts at a time (default: one)')
    .addHelpText(
      'after',
      '\nExit code: 0 the release is live (with --dry-run: it would go ahead), 1 it failed or was rolled back (the old release serves), 2 medic could not run.\nExamples:\n  medic deploy --init\n  medic deploy /home/deploy/app-build --dry-run\n  medic deploy /home/deploy/app-build\n  medic deploy /srv/repo.git --ref v1.4.2\n  medic deploy --service web   # a compose service: its image built, run beside the old, switched, then compose runs it\n  medic deploy /home/deploy/app-build --all-hosts --parallel 2',
    )
    .action(async (source: string | undefined, opts: DeployOptions, cmd: Command) =>
      onHosts(cmd)
        ? (await import('../commands/fleet.ts')).fleetDeploy(cmd, contextOf())
        : (await import('../commands/deploy.ts')).deploy(source, opts, contextOf()),
    );
  common(
    withHosts(
      program
        .command('rollback')
        .description('go back one release (or to ID) through the same health-gated switch')
        .argument('[id]', 'the release (medic releases lists them)'),
    ),
  )
    .option('--force', 'go back even when the database is at a migration the release does not know')
    .option('--parallel <n>', 'with --hosts: roll back this many hosts at a time (default: one)')
    .addHelpText(
      'after',
      '\nExit code: 0 the release gone back to is live, 1 it failed (the release before serves), 2 medic could not run.\nExamples:\n  medic rollback\n  medic rollback 20261122T041226Z --force\n  medic rollback --service web\n  medic rollback --all-hosts   # each host back one release, one host after the other',
    )
    .action(async (id: string | undefined, opts: DeployOptions, cmd: Command) => {
      if (!onHosts(cmd)) return (await import('../commands/deploy.ts')).rollback(id, opts, contextOf());
      // each host made its own releases, named by the time it made them: one ID names one host's
      if (id)
        throw new UsageError(
          `a release id is one host's own: medic rollback --hosts takes each host back one release (give no id)`,
        );
      return (await import('../commands/fleet.ts')).fleetDeploy(cmd, contextOf());
    });
  withHosts(
    common(
      program.command('releases').description('the releases of the app, newest first, and which is live'),
    ),
  ).action(async (opts: DeployOptions, cmd: Command) =>
    onHosts(cmd)
      ? runOnHosts(cmd, contextOf())
      : (await import('../commands/deploy.ts')).releases(opts, contextOf()),
  );
}
