import type { Command } from 'commander';
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
