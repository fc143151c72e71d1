// medic watch: the daemon, or the unit, sudoers line and polkit rule that install it. The daemon's path
// imports nothing that parses or validates medic.yaml: a `medic watch --plan` child does that.
import { jsonOf } from '../report/json.ts';
import { resolve } from 'node:path';
import { run } from '../host/run.ts';
import { parseShowUnits, showValue } from '../systemd/show.ts';
import { systemctlPath } from '../host/systemctl.ts';
import { startDaemon } from '../watch/daemon.ts';
import { MEDIC_ARGS } from '../host/self.ts';
import type { WatchPlan } from '../watch/plan.ts';
import { unitsOf } from '../watch/service.ts';
import { EXIT } from '../cli/exit.ts';
import { UsageError } from '../errors.ts';
import type { Context } from '../cli/main.ts';

export interface WatchOptions {
  config?: string;
  store?: string;
  metrics?: string;
  http?: string;
  tokenFile?: string;
  printUnit?: boolean;
  printSudoers?: boolean;
  printPolkit?: boolean;
  check?: boolean;
  /** Internal: print the plan as JSON for the daemon (unmasked: it goes down a pipe, not to a person). */
  plan?: boolean;
}

export async function watch(opts: WatchOptions, ctx: Context): Promise<void> {
  if (ctx.format !== 'text' && ctx.format !== 'json')
    throw new UsageError(`--format ${ctx.format}: medic watch logs text (logfmt) or json lines`);
  if (opts.plan || opts.check || opts.printUnit || opts.printSudoers || opts.printPolkit)
    return planned(opts, ctx);
  const daemon = await startDaemon({
    plan: await planOf(opts),
    ...(opts.metrics ? { metrics: opts.metrics } : {}),
    ...(opts.http ? { http: opts.http } : {}),
    ...(opts.tokenFile ? { tokenFile: opts.tokenFile } : {}),
    json: ctx.format === 'json',
    write: (line) => process.stdout.write(`${line}\n`),
  });
  const onSignal = () => void daemon.stop();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  await daemon.done;
}

/** The plan, from a child `medic watch --plan`; its one-line error (a bad medic.yaml) becomes ours. */
export async function planOf(opts: Pick<WatchOptions, 'config' | 'store'>): Promise<WatchPlan> {
  const args = [...MEDIC_ARGS, 'watch', '--plan'];
  if (opts.config) args.push('--config', opts.config);
  if (opts.store) args.push('--store', opts.store);
  const r = await run(process.execPath, args, { timeoutMs: 30_000 });
  if (!r.ok) throw new Error(`cannot run ${process.execPath}: ${r.error.message}`);
  if (r.value.code !== 0) {
    const line = r.value.stderr.split('\n').find((l) => l.startsWith('medic: '));
    throw new UsageError(line ? line.slice(7) : `reading medic.yaml failed: ${r.value.stderr.trim()}`);
  }
  return JSON.parse(r.value.stdout) as WatchPlan;
}

async function planned(opts: WatchOptions, ctx: Context): Promise<void> {
  const [{ findConfig }, { watchPlan }, { notifiersOf }] = await Promise.all([
    import('../config/medic-yaml.ts'),
    import('../watch/plan.ts'),
    import('../watch/notifiers.ts'),
  ]);
  const found = await findConfig(opts.config);
  if (!found)
    throw new UsageError('no medic.yaml here or in /etc/medic: run medic init first, or give -c FILE');
  const plan = watchPlan(found.config, resolve(found.path), opts.store);
  const services = plan.services;
  if (opts.plan) {
    ctx.out(JSON.stringify(plan));
    return;
  }
  if (opts.check) {
    // What the daemon would do, without doing it: a bad ${NAME} in notify fails here, not at 2 a.m.
    const notifiers = notifiersOf(plan.notify);
    const { maskedStoreUrl, resolveStoreUrl } = await import('../store/pg-url.ts');
    const sharedUrl = resolveStoreUrl(plan.sharedStore);
    const shared = sharedUrl ? maskedStoreUrl(sharedUrl) : null;
    if (sharedUrl)
      await Promise.all([
        import('../store/pg-store.ts'),
        import('../store/pg-claims.ts'),
        import('../store/replicator.ts'),
        import('../store/pg-reader.ts'),
      ]);
    // The unit's ExecStartPre: the modules the daemon loads later (the dashboard's) go into Node's compile
    // cache now. A module compiled from TypeScript at run time loads the type stripper, about 33 MB of
    // resident memory that the daemon would then keep for its whole life.
    await import('../serve/server.ts');
    if (ctx.format === 'json')
      ctx.out(
        jsonOf(
          'watch',
          'services',
          services.map((s) => ({ ...s, units: unitsOf([s]) })),
          {
            config: plan.path,
            notify: notifiers.map((n) => n.label),
            store: plan.store,
            sharedStore: shared,
          },
        ),
      );
    else
      ctx.out(
        [
          `${plan.path}: ok`,
          ...services.map(
            (s) =>
              `  ${s.name.padEnd(12)} ${unitsOf([s]).join(', ')}${s.health ? `  health ${s.health.url}` : '  no health URL'}`,
          ),
          `  notify       ${notifiers.map((n) => n.label).join(', ') || 'nowhere (no notify: in medic.yaml)'}`,
          `  store        ${plan.store}`,
          ...(shared ? [`  shared store ${shared}`] : []),
        ].join('\n'),
      );
    process.exitCode = EXIT.ok;
    return;
  }
  const { polkitRule, sudoersFile, watchUnitFile } = await import('../watch/unit-file.ts');
  if (opts.printUnit) {
    const shown = await run(systemctlPath(), ['show', '-p', 'Group', ...unitsOf(services)], {
      timeoutMs: 5000,
    });
    const appGroups = shown.ok
      ? [...new Set(parseShowUnits(shown.value.stdout).map((p) => showValue(p, 'Group') ?? ''))].filter(
          (g) => g !== '' && g !== 'root',
        )
      : [];
    ctx.out(
      watchUnitFile({
        medic: [process.execPath, ...MEDIC_ARGS],
        config: plan.path,
        services,
        appGroups,
        ...(opts.metrics ? { metrics: opts.metrics } : {}),
        ...(opts.http ? { http: opts.http } : {}),
        ...(opts.tokenFile ? { tokenFile: resolve(opts.tokenFile) } : {}),
      }),
    );
  }
  if (opts.printSudoers) ctx.out(sudoersFile(services, systemctlPath()));
  if (opts.printPolkit) ctx.out(polkitRule(services));
}
