// medic COMMAND --hosts / --all-hosts: the command run by medic on each host over ssh, at most 8 at once,
// merged into one report; medic fleet install; medic deploy --hosts, one host after another.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { findConfig, loadConfig } from '../config/medic-yaml.ts';
import { HOSTS_AT_ONCE, mapBounded } from '../fleet/bounded.ts';
import { fleetExitCode, fleetJson, fleetMarkdown, fleetText } from '../fleet/fleet-report.ts';
import { hostResultOf, type HostResult } from '../fleet/host-result.ts';
import { installOnHost } from '../fleet/install.ts';
import { type FleetHost, type HostSelection, selectHosts } from '../fleet/inventory.ts';
import { forwardedArgv } from '../fleet/remote-argv.ts';
import { liveReleaseOf, rollout } from '../fleet/rollout.ts';
import { remoteMedic } from '../fleet/ssh-argv.ts';
import { onHost } from '../fleet/ssh-session.ts';
import { readText, sha256File } from '../host/files.ts';
import { singleExecutable } from '../host/self.ts';
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
  // on a terminal, which hosts are still awaited (one of them may take its time)
  const progress = ctx.format === 'text' && process.stderr.isTTY === true;
  const waiting = new Set(hosts.map((h) => h.name));
  const results = await mapBounded(hosts, HOSTS_AT_ONCE, async (host): Promise<HostResult> => {
    const session = await onHost(host.ssh, remoteMedic(host, args), { timeoutMs: ASK_TIMEOUT_MS });
    waiting.delete(host.name);
    if (progress)
      process.stderr.write(
        `\r\x1b[2Kmedic: ${hosts.length - waiting.size}/${hosts.length} hosts answered${waiting.size ? `, waiting for ${[...waiting].slice(0, 3).join(', ')}` : ''}`,
      );
    return hostResultOf(host, session, json);
  });
  if (progress) process.stderr.write('\r\x1b[2K');
  // the hosts' own output is masked there; this covers ssh's lines too, and makes control characters inert
  const safe = safeDeep(results);
  let top = leaf;
  while (top.parent?.parent) top = top.parent;
  const command = top.name();
  if (json) ctx.out(fleetJson(command, safe));
  else if (ctx.format === 'markdown') ctx.out(fleetMarkdown(safe));
  else ctx.out(fleetText(safe, ctx.style));
  process.exitCode = fleetExitCode(safe);
}

export interface FleetInstallOptions extends HostSelection {
  config?: string;
  medicYaml?: string;
  binary?: string;
  root: string;
}

/** medic fleet install: the single executable, medic.yaml and the watch unit on every host, idempotently. */
export async function fleetInstall(opts: FleetInstallOptions, ctx: Context): Promise<void> {
  if (ctx.format !== 'text' && ctx.format !== 'json')
    throw new UsageError(`--format ${ctx.format}: medic fleet install prints text or json`);
  if (opts.hosts === undefined && !opts.allHosts)
    throw new UsageError('which hosts? give --hosts web1,web2 or --all-hosts');
  if (opts.root.trim() === '') throw new UsageError('--root: give a directory');
  const hosts = await hostsOf(opts);
  const binary = resolve(
    opts.binary ??
      (singleExecutable ? process.execPath : fileURLToPath(new URL('../../dist/medic', import.meta.url))),
  );
  const sha256 = await sha256File(binary);
  if (!sha256)
    throw new UsageError(
      `cannot read ${binary}: ${opts.binary ? 'no such file' : 'build it first with npm run build'} (or give --binary FILE)`,
    );
  const listed = (await readText(`${binary}.sha256`))?.split(/\s/)[0];
  if (listed !== undefined && listed !== sha256)
    throw new UsageError(
      `${binary} does not match ${binary}.sha256: build it again (npm run build), nothing was sent`,
    );
  // Every medic.yaml read and validated before any host is touched.
  const configs = new Map<string, string>();
  for (const path of new Set(hosts.map((h) => h.config ?? opts.medicYaml).filter((p) => p !== undefined))) {
    const config = await loadConfig(path);
    if (Object.keys(config.services).length + Object.keys(config.containers).length === 0)
      throw new UsageError(
        `${path} lists no services or containers: a host's medic.yaml (medic init writes one) is needed`,
      );
    configs.set(path, (await readText(path)) ?? '');
  }
  const results = await mapBounded(hosts, HOSTS_AT_ONCE, (host) => {
    const path = host.config ?? opts.medicYaml;
    return installOnHost(host, {
      ...(ctx.format === 'text' ? { say: (line: string) => ctx.err(line) } : {}),
      binary,
      sha256,
      root: opts.root,
      config: path ? (configs.get(path) ?? null) : null,
    });
  });
  const safe = safeDeep(results);
  ctx.out(ctx.format === 'json' ? fleetJson('fleet install', safe) : fleetText(safe, ctx.style));
  process.exitCode = fleetExitCode(safe);
}

/** A host's own gated deploy, migrations and health window included. */
const DEPLOY_TIMEOUT_MS = 60 * 60_000;

/** medic deploy (or rollback) --hosts: each host's own `medic deploy`, one host (or --parallel N) at a time. */
export async function fleetDeploy(leaf: Command, ctx: Context): Promise<void> {
  if (ctx.format !== 'text' && ctx.format !== 'json')
    throw new UsageError(`--format ${ctx.format}: medic deploy --hosts prints text or json`);
  const opts = leaf.optsWithGlobals<
    HostSelection & { config?: string; parallel?: string; service?: string }
  >();
  const width = Number(opts.parallel ?? 1);
  if (!Number.isInteger(width) || width < 1 || width > 64)
    throw new UsageError('--parallel takes a number of hosts between 1 and 64');
  const argv = forwardedArgv(leaf);
  const hosts = await hostsOf(opts);
  const json = ctx.format === 'json';
  const say = (host: FleetHost, line: string) => {
    // ssh's and medic's one-line errors come in the report; the steps come as they happen
    if (!json && line.trim() && !/^(?:ssh|medic): /.test(line))
      ctx.err(`${ctx.style('dim', host.name)}  ${line}`);
  };
  const ran = await rollout(hosts, width, async (host) => {
    say(host, `deploying (${argv.join(' ')})`);
    const session = await onHost(
      host.ssh,
      remoteMedic(host, ['--no-color', '--format', ctx.format, ...argv]),
      {
        timeoutMs: DEPLOY_TIMEOUT_MS,
        onStderrLine: (line) => say(host, line),
      },
    );
    const r = hostResultOf(host, session, json);
    const what = leaf.name() === 'rollback' ? 'rollback' : 'deploy';
    const done = argv.includes('--dry-run')
      ? 'would go ahead'
      : what === 'rollback'
        ? 'rolled back'
        : 'deployed';
    return r.error ? r : { ...r, label: r.status === 'ok' ? done : `${what} failed` };
  });
  const stoppedAt = ran.find((r) => r !== null && r.status !== 'ok')?.host.name;
  const results = ran.map(
    (r, i): HostResult =>
      r ?? {
        host: hosts[i] as FleetHost,
        status: 'ok',
        exitCode: 0,
        ms: 0,
        label: 'not started',
        text: `left on its release: the rollout stopped at ${stoppedAt ?? 'a failure'}`,
      },
  );
  // Which release each host serves now, asked of every host, whether the rollout reached it or not.
  const releasesArgs = ['--format', 'json', 'releases', ...(opts.service ? ['--service', opts.service] : [])];
  const live = await mapBounded(hosts, HOSTS_AT_ONCE, async (host) => {
    const r = hostResultOf(
      host,
      await onHost(host.ssh, remoteMedic(host, releasesArgs), { timeoutMs: ASK_TIMEOUT_MS }),
      true,
    );
    return r.error ? { release: null, why: r.error.message } : { release: liveReleaseOf(r.json), why: null };
  });
  const safe = safeDeep(results);
  if (json)
    ctx.out(
      fleetJson(leaf.name() === 'rollback' ? 'rollback' : 'deploy', safe, (r) => {
        const i = safe.indexOf(r);
        return { started: ran[i] !== null, live: live[i]?.release ?? null };
      }),
    );
  else
    ctx.out(
      fleetText(
        safe.map((r, i) => {
          const l = live[i];
          const line = `live release: ${l?.release ?? (l?.why ? `unknown (${l.why})` : 'none')}`;
          return { ...r, text: [r.text, line].filter(Boolean).join('\n') };
        }),
        ctx.style,
        'given',
      ),
    );
  process.exitCode = fleetExitCode(safe);
}
