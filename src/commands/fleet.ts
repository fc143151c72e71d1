// medic COMMAND --hosts / --all-hosts: the command run by medic on each host over ssh, at most 8 at once,
// merged into one report; medic fleet install; medic deploy --hosts, one host after another.
import type { Command } from 'commander';
import { findConfig } from '../config/medic-yaml.ts';
import { HOSTS_AT_ONCE, mapBounded } from '../fleet/bounded.ts';
import { fleetExitCode, fleetJson, fleetMarkdown, fleetText } from '../fleet/fleet-report.ts';
import { hostResultOf, type HostResult } from '../fleet/host-result.ts';
import { type FleetHost, type HostSelection, selectHosts } from '../fleet/inventory.ts';
import { forwardedArgv } from '../fleet/remote-argv.ts';
import { remoteMedic } from '../fleet/ssh-argv.ts';
import { onHost } from '../fleet/ssh-session.ts';
import { safeDeep } from '../report/mask.ts';
import { UsageError } from '../errors.ts';
import type { Context } from '../cli/main.ts';

/** A report command (diagnose, check, incidents, releases) gets this long on each host. */
const ASK_TIMEOUT_MS = 120_000;

/** The hosts chosen by --hosts / --all-hosts, from the inventory in medic.yaml (-c, else the usual places). */
export async function hostsOf(selection: HostSelection & { config?: string }): Promise<FleetHost[]> {
  const found = await findConfig(selection.config);
  return selectHosts(selection, found?.config.hosts ?? [], found?.path ?? null);
}

/** The command `leaf` (as the user gave it, less --hosts) run by medic on every host, merged. */
export async function runOnHosts(leaf: Command, ctx: Context): Promise<void> {
  if (ctx.format === 'junit' || ctx.format === 'tap')
    throw new UsageError(`--format ${ctx.format} with --hosts: medic prints text, json or markdown`);
  const argv = forwardedArgv(leaf);
  const hosts = await hostsOf(leaf.optsWithGlobals<HostSelection & { config?: string }>());
  const json = ctx.format === 'json';
  const args = ['--no-color', '--format', ctx.format, ...argv];
  const results = await mapBounded(hosts, HOSTS_AT_ONCE, async (host): Promise<HostResult> => {
    const session = await onHost(host.ssh, remoteMedic(host, args), { timeoutMs: ASK_TIMEOUT_MS });
    return hostResultOf(host, session, json);
  });
  // the hosts' own output is masked there; this covers ssh's lines too, and makes control characters inert
  const safe = safeDeep(results);
  const command = argv.filter((a) => !a.startsWith('-'))[0] ?? 'medic';
  if (json) ctx.out(fleetJson(command, safe));
  else if (ctx.format === 'markdown') ctx.out(fleetMarkdown(safe));
  else ctx.out(fleetText(safe, ctx.style));
  process.exitCode = fleetExitCode(safe);
}
