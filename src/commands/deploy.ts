// medic deploy, medic rollback, medic releases.
import { jsonOf } from '../report/json.ts';
import { pathExists } from '../host/files.ts';
import { basename, dirname, join } from 'node:path';
import { EXIT } from '../cli/exit.ts';
import { UsageError } from '../errors.ts';
import type { Context } from '../cli/main.ts';
import { durationMs, findConfig, healthOf } from '../config/medic-yaml.ts';
import { appUnits, discoverService, type Service } from '../discover/service.ts';
import { localHost } from '../host/host.ts';
import { Masker, neutraliseDeep } from '../report/mask.ts';
import type { DeployOptions as RunOptions, Outcome } from '../deploy/deploy.ts';
import { initLayout, sharedNames } from '../deploy/init.ts';
import {
  currentRelease,
  type Layout,
  layoutOf,
  readMeta,
  releaseIds,
  releaseRows,
} from '../deploy/layout.ts';
import { runDeploy } from '../deploy/run.ts';
import { type ComposeDeployOptions, runComposeDeploy } from '../deploy/compose-deploy.ts';
import { composeServiceOf } from '../deploy/compose-service.ts';
import { formatBind } from '../app/bind.ts';
import { storePathOf, Store } from '../store/store.ts';
import type { DeployFacts } from '../watch/alert.ts';

export interface DeployOptions {
  config?: string;
  service?: string;
  ref?: string;
  init?: boolean;
  window: string;
  keep: string;
  force?: boolean;
  dryRun?: boolean;
}

/** What --window and --keep say, and the rule that medic deploy runs as root. */
function common(opts: DeployOptions): { windowMs: number; keep: number } {
  if (process.getuid?.() !== 0)
    throw new UsageError('medic deploy changes the server (units, Nginx, releases): run it as root');
  const window = /^\d+(\.\d+)?(ms|s|m|h)?$/.exec(opts.window);
  if (!window) throw new UsageError(`--window ${opts.window}: a duration like 30s, 2m or 500ms`);
  const keep = Number(opts.keep);
  if (!Number.isInteger(keep) || keep < 2)
    throw new UsageError('--keep: at least 2 (the live release and the one before it)');
  return { windowMs: durationMs(window[2] ? opts.window : Number(opts.window)), keep };
}

/** How a deploy tells what it does (stderr in text, the steps for the alert) and masks what it says. */
function reporter(ctx: Context) {
  const masker = new Masker();
  const steps: { time: string; text: string }[] = [];
  const say = (step: string, text: string) => {
    steps.push({ time: new Date().toISOString(), text: masker.text(`${step}: ${text}`) });
    if (ctx.format === 'text') ctx.err(`${ctx.style('dim', step.padEnd(9))} ${masker.text(text)}`);
  };
  return { masker, steps, say };
}

/** The service, its release layout and how a deploy of it runs, from the command's options. */
async function target(opts: DeployOptions, ctx: Context) {
  const { windowMs, keep } = common(opts);
  const host = localHost();
  const { masker, steps, say } = reporter(ctx);
  const found = await findConfig(opts.config);
  const entries = found ? Object.entries(found.config.services) : [];
  let name = opts.service;
  let unit: string | undefined;
  let health = undefined as ReturnType<typeof healthOf> | undefined;
  if (entries.length > 0) {
    const pick = name
      ? entries.find(([n, s]) => n === name || s.unit === name || s.unit === `${name}.service`)
      : entries.length === 1
        ? entries[0]
        : undefined;
    if (!pick)
      throw new UsageError(
        name
          ? `no service ${name} in ${found?.path}`
          : `medic.yaml has ${entries.length} services: name one with --service`,
      );
    name = pick[0];
    unit = pick[1].unit;
    if (pick[1].health) health = healthOf(pick[1].health);
  } else {
    if (!name) {
      const { apps } = await appUnits(host, 3000);
      if (apps.length !== 1)
        throw new UsageError(`name the app with --service (found ${apps.length} app units)`);
      name = apps[0]?.id;
    }
    unit = name;
  }
  const service: Service = await discoverService(host, unit ?? '', {
    timeoutMs: 5000,
    masker,
    ...(health ? { health } : {}),
  });
  if (!service.workdir)
    throw new UsageError(`${service.unit} has no WorkingDirectory: medic cannot tell where the app lives`);
  const root = basename(service.workdir) === 'current' ? dirname(service.workdir) : service.workdir;
  const layout = layoutOf(root);
  if (!service.health)
    throw new UsageError(
      `${service.unit}: no health URL (set services.${service.name}.health in medic.yaml)`,
    );
  const options: RunOptions = {
    host,
    service,
    layout,
    health: service.health,
    windowMs,
    keep,
    force: opts.force === true,
    dryRun: opts.dryRun === true,
    shared: sharedNames(service, root),
    say,
  };
  return {
    masker,
    service,
    name: service.name,
    unit: service.unit,
    dryRun: opts.dryRun === true,
    layout,
    config: found,
    options,
    say,
    steps,
  };
}

/**
 * The compose service --service names (medic.yaml's containers:, else a container's or a compose service's
 * name when there is no medic.yaml and no unit of that name), or null for a unit.
 */
async function composeTarget(opts: DeployOptions, ctx: Context) {
  const found = await findConfig(opts.config);
  const name = opts.service;
  const services = found ? Object.entries(found.config.services) : [];
  const containers = found ? Object.entries(found.config.containers) : [];
  if (name && services.some(([n, s]) => n === name || s.unit === name || s.unit === `${name}.service`))
    return null;
  const entry = name
    ? containers.find(([k, c]) => k === name || c.container === name)
    : services.length === 0 && containers.length === 1
      ? containers[0]
      : undefined;
  if (!entry) {
    if (!name || found) return null;
    const { all } = await appUnits(localHost(), 3000);
    if (all.some((u) => u.id === name || u.id === `${name}.service`)) return null;
  }
  const { windowMs, keep } = common(opts);
  const key = entry?.[0] ?? name ?? '';
  const health = entry?.[1].health ? healthOf(entry[1].health) : null;
  const svc = await composeServiceOf(localHost(), key, entry ? { ...entry[1], health } : null);
  if (!svc) return null;
  if (opts.init)
    throw new UsageError(
      `--init is for systemd units: the first deploy of ${key} takes its Nginx site over itself`,
    );
  if (opts.ref) throw new UsageError(`--ref is for git sources: ${key} builds from a directory`);
  if (!svc.site)
    throw new UsageError(
      `${key}: no Nginx site proxies to ${formatBind(svc.bind)}: medic deploy switches traffic through Nginx`,
    );
  if (!svc.health) throw new UsageError(`${key}: no health URL (set containers.${key}.health in medic.yaml)`);
  const { masker, steps, say } = reporter(ctx);
  const options: ComposeDeployOptions = {
    svc,
    health: svc.health,
    windowMs,
    keep,
    dryRun: opts.dryRun === true,
    force: opts.force === true,
    say,
  };
  return {
    masker,
    name: key,
    unit: svc.service,
    dryRun: opts.dryRun === true,
    layout: svc.layout,
    config: found,
    options,
    say,
    steps,
  };
}

/** What the report, the record and the alert of a deploy need of its target, unit or compose service. */
type Reported = Pick<
  Awaited<ReturnType<typeof target>>,
  'masker' | 'name' | 'unit' | 'dryRun' | 'layout' | 'config' | 'say' | 'steps'
>;

export async function deploy(source: string | undefined, opts: DeployOptions, ctx: Context): Promise<void> {
  const compose = await composeTarget(opts, ctx);
  if (compose) {
    const started = new Date().toISOString();
    const outcome = await runComposeDeploy(compose.options, {
      kind: 'deploy',
      source: source ?? '',
      ref: null,
    });
    return report(
      ctx,
      compose,
      outcome,
      'deploy',
      source ?? compose.options.svc.build?.context ?? '',
      started,
    );
  }
  const t = await target(opts, ctx);
  const started = new Date().toISOString();
  let outcome: Outcome;
  if (opts.init) {
    if (source) throw new UsageError('--init converts the running deployment: give no SOURCE');
    if (opts.dryRun) throw new UsageError('--init has no --dry-run: it lists every change it makes');
    // Again after an interrupted --init: the layout is there, the live unit moves onto it.
    const live = pathExists(t.layout.current) ? await currentRelease(t.layout) : null;
    const release = live ?? (await initLayout(t.service, t.layout, t.say)).release;
    outcome = await runDeploy(
      { ...t.options, windowMs: Math.min(t.options.windowMs, 5000) },
      { kind: 'rollback', source: release, ref: null },
    );
  } else {
    if (!source)
      throw new UsageError('give the SOURCE to deploy: a directory, a git repository (--ref) or a tarball');
    if (!pathExists(t.layout.current))
      throw new UsageError(`${t.layout.root} has no release layout yet: run medic deploy --init first`);
    outcome = await runDeploy(t.options, { kind: 'deploy', source, ref: opts.ref ?? null });
  }
  await report(ctx, t, outcome, 'deploy', source ?? '--init', started);
}

export async function rollback(id: string | undefined, opts: DeployOptions, ctx: Context): Promise<void> {
  const compose = await composeTarget(opts, ctx);
  const t = compose ?? (await target(opts, ctx));
  const to = await rollbackTo(t.layout, id);
  const started = new Date().toISOString();
  const plan = { kind: 'rollback' as const, source: to, ref: null };
  const outcome = compose
    ? await runComposeDeploy(compose.options, plan)
    : await runDeploy((t as Awaited<ReturnType<typeof target>>).options, plan);
  await report(ctx, t, outcome, 'rollback', to, started);
}

/** The release a rollback goes to: ID, else the newest earlier one that served (not a failed or rolled back one). */
async function rollbackTo(layout: Layout, id: string | undefined): Promise<string> {
  const ids = await releaseIds(layout);
  const live = await currentRelease(layout);
  const served = async (r: string) => {
    const outcome = (await readMeta(layout, r))?.result?.outcome;
    return outcome === undefined || outcome === 'live';
  };
  let to = id;
  for (const r of ids.filter((r) => live === null || r < live).reverse())
    if (!to && (await served(r))) to = r;
  if (!to || !ids.includes(to))
    throw new UsageError(id ? `no release ${id} in ${layout.releases}` : 'no earlier release to go back to');
  if (to === live) throw new UsageError(`${to} is already live`);
  return to;
}

async function report(
  ctx: Context,
  t: Reported,
  o: Outcome,
  kind: 'deploy' | 'rollback',
  source: string,
  startedAt: string,
): Promise<void> {
  const record = {
    service: t.name,
    kind,
    release: o.release || '(none)',
    previous: o.previous,
    source,
    startedAt,
    finishedAt: new Date().toISOString(),
    outcome: o.outcome,
    step: o.step,
    message: o.message,
  };
  const dry = t.dryRun;
  // A dry run is no deploy: not recorded, no alert. (Its outcome is dry_run or failed; the second test
  // only tells the type that a recorded outcome is never dry_run.)
  if (!dry && o.outcome !== 'dry_run') {
    const facts = { ...record, outcome: o.outcome };
    try {
      const store = Store.open(storePathOf(t.config?.config ?? null), { create: true });
      store.recordDeploy(t.masker.deep(facts));
      store.close();
    } catch {
      // the deploy itself is done; the record is a marker only
    }
    // Not live: the old release still serves, and whoever started an unattended deploy hears of it.
    if (facts.outcome !== 'live') await alert(t, facts);
  }
  const safe = neutraliseDeep(
    t.masker.deep({
      ...record,
      details: o.details,
      warnings: o.warnings,
      migrations: o.migrations,
      pruned: o.pruned,
      preflight: o.preflight,
    }),
  );
  if (ctx.format === 'json') ctx.out(jsonOf(kind, 'services', [{ ...safe, dryRun: dry }]));
  else if (o.outcome === 'dry_run')
    ctx.out(
      [
        `${t.name}: dry run: ${kind === 'rollback' ? `the rollback to ${o.release}` : 'the release'} would go ahead (${o.preflight.length ? 'preflight passed' : 'its image builds'}${o.migrations.length ? `; ${o.migrations.join(', ')}` : kind === 'deploy' && o.preflight.length ? '; no migration to apply' : ''})`,
        ...safe.warnings.map((w) => `  warning: ${w}`),
        `nothing moved: ${o.previous ?? 'the live release'} serves${kind === 'deploy' ? '; the release built for the dry run is removed' : ''}`,
      ].join('\n'),
    );
  else if (o.outcome === 'live')
    ctx.out(
      [
        `${t.name}: ${o.release} is live (${o.previous && o.previous !== o.release ? `was ${o.previous}` : `the first release of ${t.layout.root}`})${o.pruned.length ? `; removed ${o.pruned.join(', ')}` : ''}`,
        ...safe.warnings.map((w) => `  warning: ${w}`),
      ].join('\n'),
    );
  else
    ctx.out(
      [
        `${t.name}: ${kind} ${o.outcome === 'rolled_back' ? 'rolled back' : 'failed'} at ${o.step}: ${safe.message}`,
        ...safe.details.map((d) => `  ${d}`),
        `${o.previous ?? 'the old release'} still serves${dry ? ' (dry run: nothing moved)' : ''}`,
      ].join('\n'),
    );
  process.exitCode = o.outcome === 'live' || o.outcome === 'dry_run' ? EXIT.ok : EXIT.problems;
}

/** A deploy that did not go live goes to the notifiers of medic watch (medic.yaml's notify). */
async function alert(t: Reported, record: DeployFacts): Promise<void> {
  const notify = t.config?.config.notify;
  if (!notify) return;
  const [{ notifiersOf }, { deployAlertOf }, { hostNameOf }] = await Promise.all([
    import('../watch/notifiers.ts'),
    import('../watch/alert.ts'),
    import('../config/medic-yaml.ts'),
  ]);
  let notifiers;
  try {
    notifiers = notifiersOf(notify);
  } catch (error) {
    t.say('alert', `not sent: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  const a = t.masker.deep(
    deployAlertOf(
      {
        service: t.name,
        unit: t.unit,
        ...record,
        steps: t.steps,
        fix: [`medic releases --service ${t.name}`, `medic diagnose ${t.unit}`],
      },
      hostNameOf(t.config?.config),
    ),
  );
  await Promise.all(
    notifiers.map((n) =>
      n.send(a).then(
        () => t.say('alert', `sent to ${n.label}`),
        (e: unknown) => t.say('alert', `${n.label}: ${e instanceof Error ? e.message : String(e)}`),
      ),
    ),
  );
}

export async function releases(opts: DeployOptions, ctx: Context): Promise<void> {
  const t = (await composeTarget(opts, ctx)) ?? (await target(opts, ctx));
  const rows = await releaseRows(t.layout);
  if (ctx.format === 'json') ctx.out(jsonOf('releases', 'releases', rows.reverse()));
  else
    ctx.out(
      rows.length === 0
        ? `${t.layout.root}: no releases (medic deploy --init makes the first)`
        : rows
            .reverse()
            .map((r) =>
              [
                `${r.live ? '*' : ' '} ${r.id}`,
                r.createdAt ? `${r.createdAt.slice(0, 10)} ${r.createdAt.slice(11, 16)} UTC` : '',
                `${r.source ?? '?'}${r.revision ? ` @${r.revision.slice(0, 12)}` : ''}`,
                r.migrationHead ? `migrations at ${r.migrationHead}` : '',
                r.result && r.result.outcome !== 'live'
                  ? `(${r.result.outcome === 'failed' ? 'failed' : 'rolled back'} at ${r.result.step})`
                  : '',
              ]
                .filter(Boolean)
                .join('  '),
            )
            .join('\n') + `\n(* live: ${join(t.layout.root, 'current')})`,
    );
}
