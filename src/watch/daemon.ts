// medic watch: the services of medic.yaml, their journal followed as it is written, their health asked on
// an interval, incidents in the store, alerts through the outbox. Structured lines on stdout (the journal).
import { UsageError } from '../errors.ts';
import { readTextSync } from '../host/files.ts';
import { localHost } from '../host/host.ts';
import { followJournal, type JournalFollower } from '../host/journal-follow.ts';
import { run } from '../host/run.ts';
import { MEDIC_ARGS } from '../host/self.ts';
import { sdNotify, watchdogMs } from '../host/sd-notify.ts';
import { systemctlPath, unitControl, unitStates } from '../host/systemctl.ts';
import { followEngineEvents, inspectContainer, restartContainer } from '../host/docker.ts';
import { containerUnitState, type EngineEvent, EngineSignals } from './engine-events.ts';
import type { Diagnosis } from '../diagnose/decide.ts';
import { Masker, neutraliseDeep } from '../report/mask.ts';
import { parseShowUnits, showExecCommands, showValue } from '../systemd/show.ts';
import { alertOf, type AlertKind, sharedHealthUrl } from './alert.ts';
import { probeHealth } from './health.ts';
import { type KernelOom, signalOf, unitOfKernelOom } from './journal.ts';
import { startMetrics } from './metrics.ts';
import { notifiersOf } from './notifiers.ts';
import { Outbox } from './outbox.ts';
import type { LogFields } from './machine.ts';
import { unitsOf } from './service.ts';
import { ServiceWatcher } from './service-watch.ts';
import { Store } from '../store/store.ts';
import { resolveStoreUrl } from '../store/pg-url.ts';
import type { WatchPlan } from './plan.ts';
import type { Incident } from '../store/store.ts';

/** How long a diagnosis may take, and how long its second try when the first ran out of time. */
const DIAGNOSIS_TIMEOUTS_MS = [20_000, 60_000];

export interface DaemonOptions {
  plan: WatchPlan;
  /** host:port for the Prometheus endpoint. */
  metrics?: string;
  /** host:port for the dashboard (medic serve's pages), and the token file it needs beyond loopback. */
  http?: string;
  tokenFile?: string;
  json: boolean;
  write(line: string): void;
}

export interface Daemon {
  stop(): Promise<void>;
  /** Resolves when medic should exit (SIGTERM, SIGINT). */
  done: Promise<void>;
}

export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const { watch, notify, services } = opts.plan;
  const units = unitsOf(services.filter((s) => !s.container));
  const containerNames = services.filter((s) => s.container).map((s) => s.unit);
  const masker = new Masker();
  const log = (level: string, event: string, fields: LogFields) => {
    const time = new Date().toISOString();
    const clean = Object.fromEntries(
      Object.entries(fields)
        .filter(([, v]) => v !== undefined && v !== null)
        .map(([k, v]) => [k, typeof v === 'string' ? neutraliseDeep(masker.text(v)) : v]),
    );
    if (opts.json) opts.write(JSON.stringify({ time, level, event, ...clean }));
    else
      opts.write(
        [`level=${level}`, `event=${event}`]
          .concat(Object.entries(clean).map(([k, v]) => `${k}=${logfmt(String(v))}`))
          .join(' '),
      );
  };

  const systemctl = systemctlPath();
  const facts = new Map<string, { cgroup: string; comm: string; pids: Set<number> }>();
  if (units.length > 0) await unitFacts(systemctl, units, services, facts);
  for (const name of containerNames) {
    const r = await inspectContainer(name, 5000);
    if (r.ok) continue;
    const owner = services.find((s) => s.unit === name);
    throw new UsageError(
      r.error.kind === 'not_found'
        ? `${name} (container ${owner?.name ?? '?'} in medic.yaml) is not a container on this host`
        : r.error.kind === 'no_engine'
          ? `no Docker engine here (${r.error.message}): medic watch cannot follow ${name}`
          : `cannot ask the Docker engine about ${name}: ${r.error.message}`,
    );
  }

  const store = Store.open(opts.plan.store, { create: true });
  const notifiers = notifiersOf(notify);
  const host = opts.plan.host;
  const shared = await sharedStoreOf(opts.plan, store, host, log);
  const outbox = new Outbox(
    store,
    notifiers,
    (level, event, fields) => log(level, event, fields),
    notify.retryFor,
    shared?.claims ?? null,
  );
  const metrics = opts.metrics
    ? await startMetrics(
        opts.metrics,
        services,
        (since) => store.deploys(null, since),
        () => store.lastCheckRuns(),
      )
    : null;

  const systemd = unitControl(systemctl);
  // A container's engine events read as the journal's signals; its inspect as the unit's state.
  const engineSignals = new EngineSignals();
  const diagnosing = new Map<string, Promise<unknown>>();
  const containerControl = {
    unitStates: (list: readonly string[]) =>
      Promise.all(
        list.map(async (name) => {
          const r = await inspectContainer(name, 5000);
          return r.ok ? containerUnitState(r.value, engineSignals.isStopped(name)) : null;
        }),
      ),
    async restart(name: string) {
      // A restart wipes the container's health log, and a recreate its logs: the diagnosis reads them first.
      const pending = diagnosing.get(name);
      if (pending) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([pending, new Promise((resolve) => (timer = setTimeout(resolve, 20_000)))]);
        clearTimeout(timer);
        diagnosing.delete(name);
      }
      engineSignals.expectRestart(name, Date.now());
      const r = await restartContainer(name, 10, 30_000);
      return r.ok ? { ok: true } : { ok: false, error: masker.text(r.error.message) };
    },
  };

  const watchers: ServiceWatcher[] = services.map(
    (service) =>
      new ServiceWatcher(service, {
        store,
        config: watch,
        now: () => new Date(),
        log,
        unitStates: (list) =>
          service.container ? containerControl.unitStates(list) : unitStates(systemctl, list),
        probeHealth: (h) => probeHealth(h, watch.timeout),
        async restart(unit) {
          if (service.container) return containerControl.restart(unit);
          await systemd(['reset-failed', unit]);
          const r = await systemd(['restart', unit]);
          if (r.ok) return { ok: true };
          return {
            ok: false,
            error: masker.text(r.error.message.split('\n').filter(Boolean).pop() ?? 'failed'),
          };
        },
        async diagnose(unit, since) {
          // In its own process: the daemon stays small (diagnose loads every probe and cause) and a
          // diagnosis that hangs or throws cannot take the watching down with it.
          // journalctl reads "@SECONDS" as a moment in time, whatever the server's time zone
          const from = since ? ['--since', `@${Math.floor(Date.parse(since) / 1000) - 1}`] : [];
          // A crash comes when the server is busiest: a diagnosis that ran out of time is asked once more,
          // with three times as long, rather than leave the incident without its cause.
          for (const timeoutMs of DIAGNOSIS_TIMEOUTS_MS) {
            const running = run(
              process.execPath,
              [...MEDIC_ARGS, '--format', 'json', '--no-color', 'diagnose', unit, ...from],
              { timeoutMs },
            );
            if (service.container) diagnosing.set(unit, running);
            const r = await running;
            if (r.ok && r.value.timedOut) {
              log('warn', 'diagnosis_slow', { service: service.name, timeout_ms: timeoutMs });
              continue;
            }
            if (!r.ok || (r.value.code !== 0 && r.value.code !== 1)) return null;
            try {
              const { services } = JSON.parse(r.value.stdout) as { services: Diagnosis[] };
              return neutraliseDeep(masker.deep(services[0])) ?? null;
            } catch {
              return null;
            }
          }
          return null;
        },
        alert(kind: AlertKind, incident: Incident, state: string) {
          const alert = masker.deep(
            alertOf(kind, incident, store.timeline(incident), state, host, sharedHealthUrl(service.health)),
          );
          const queued = outbox.queue(incident.id, kind, alert);
          log(kind === 'resolved' ? 'info' : 'warn', 'alert', {
            service: incident.service,
            incident: incident.id,
            alert: kind,
            cause: alert.cause?.id,
            headline: alert.headline,
            notifiers: queued,
          });
          shared?.replicator.kick();
        },
        metric: metrics?.update,
      }),
  );
  const byUnit = new Map<string, ServiceWatcher>();
  for (const w of watchers) for (const u of w.units) byUnit.set(u, w);
  // The dashboard reads the daemon's store and its watchers' live state; loaded only when asked for.
  const dashboard = opts.http
    ? await (
        await import('../serve/server.ts')
      ).startDashboard({
        listen: opts.http,
        flag: '--http',
        tokenFile: opts.tokenFile,
        services,
        storePath: store.path,
        store,
        shared: shared?.reader,
        live: (name) => watchers.find((w) => w.service.name === name)?.live ?? null,
      })
    : null;
  if (dashboard) log('info', 'dashboard', { url: dashboard.url, access: dashboard.access });

  const refreshPids = async () => {
    for (const [, f] of facts) {
      const text = await cgroupProcs(f.cgroup);
      if (text !== undefined) f.pids = new Set(text.split('\n').filter(Boolean).map(Number));
    }
  };
  await refreshPids();
  const pidTimer = setInterval(() => void refreshPids(), watch.interval);
  pidTimer.unref();

  const engine =
    containerNames.length > 0
      ? followEngineEvents(
          (e) => {
            for (const sig of engineSignals.signalsOf(e as unknown as EngineEvent))
              if (containerNames.includes(sig.unit)) byUnit.get(sig.unit)?.onSignal(sig);
          },
          (problem) => log('warn', 'engine', { problem }),
        )
      : null;
  const follower: JournalFollower | null =
    units.length === 0
      ? null
      : followJournal(
          units,
          (entry) => {
            const s = signalOf(entry, units);
            if (!s) return;
            if (!('kind' in s)) {
              const oom = s as KernelOom;
              const unit = unitOfKernelOom(
                oom,
                [...facts].map(([u, f]) => ({ unit: u, pids: f.pids, comm: f.comm })),
              );
              if (unit)
                byUnit.get(unit)?.onSignal({
                  kind: 'oom',
                  unit,
                  time: oom.time,
                  text: oom.text,
                  pid: oom.pid,
                  process: oom.process,
                });
              return;
            }
            byUnit.get(s.unit)?.onSignal(s);
          },
          (problem) => log('warn', 'journal', { problem }),
        );

  for (const w of watchers) await w.start();
  outbox.kick();
  // what the dashboard of another host shows of these services
  shared?.replicator.start(() =>
    watchers.map((w) => ({
      name: w.service.name,
      unit: w.service.unit,
      workers: w.service.workers,
      healthUrl: w.service.health ? masker.text(w.service.health.url) : null,
      ...w.live,
    })),
  );
  log('info', 'watching', {
    services: services.map((s) => s.name).join(','),
    units: units.join(','),
    containers: containerNames.join(',') || undefined,
    store: store.path,
    shared_store: shared?.store.shown,
    notifiers: notifiers.map((n) => n.label).join(',') || 'none',
    interval_ms: watch.interval,
  });
  if (notifiers.length === 0)
    log('warn', 'no_notifiers', { hint: 'add notify: to medic.yaml; incidents are only logged and stored' });
  await sdNotify(['--ready', `--status=watching ${services.map((s) => s.name).join(', ')}`]);
  const dog = watchdogMs();
  const dogTimer = dog ? setInterval(() => void sdNotify(['WATCHDOG=1']), Math.max(1000, dog / 2)) : null;

  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const stop = async () => {
    follower?.stop();
    engine?.stop();
    for (const w of watchers) w.stop();
    outbox.stop();
    clearInterval(pidTimer);
    if (dogTimer) clearInterval(dogTimer);
    await metrics?.close();
    await dashboard?.close();
    // what the last moments wrote goes out too, when the shared store answers
    await shared?.replicator.stop();
    await shared?.store.close();
    store.close();
    finish();
  };
  return { stop, done };
}

/**
 * The shared store, when medic.yaml or MEDIC_STORE_URL names one: the replicator of the local store and the
 * alert claims. Its modules (and the PostgreSQL driver) are loaded only then. PostgreSQL need not answer yet.
 */
async function sharedStoreOf(
  plan: WatchPlan,
  store: Store,
  host: string,
  log: (level: string, event: string, fields: LogFields) => void,
) {
  // imported with the daemon, not here: a module compiled at run time would load the type stripper (+33 MB)
  const url = resolveStoreUrl(plan.sharedStore);
  if (!url) return null;
  const [{ SharedStore }, { AlertClaims }, { Replicator }, { SharedStoreReader }] = await Promise.all([
    import('../store/pg-store.ts'),
    import('../store/pg-claims.ts'),
    import('../store/replicator.ts'),
    import('../store/pg-reader.ts'),
  ]);
  const shared = new SharedStore(url, { application: `medic watch on ${host}` });
  // longer than any send may take (a command notifier's own timeout), so a live sender is never overtaken
  const leaseMs = Math.max(60_000, ...(plan.notify.command ?? []).map((c) => c.timeout + 15_000));
  return {
    store: shared,
    claims: new AlertClaims(shared, host, leaseMs),
    reader: new SharedStoreReader(shared, host),
    replicator: new Replicator({
      storePath: store.path,
      shared,
      host,
      machineId: machineId(),
      log: (l, e, f) => log(l, e, f),
    }),
  };
}

/** systemd's /etc/machine-id, the same across reboots and different on each server; null where there is none. */
function machineId(): string | null {
  return readTextSync('/etc/machine-id')?.trim() || null;
}

/** The units must exist; their cgroups and executables map kernel OOM lines to them. */
async function unitFacts(
  systemctl: string,
  units: string[],
  services: WatchPlan['services'],
  facts: Map<string, { cgroup: string; comm: string; pids: Set<number> }>,
): Promise<void> {
  const shown = await run(systemctl, ['show', '-p', 'Id,LoadState,ControlGroup,ExecStart', ...units], {
    timeoutMs: 5000,
  });
  if (!shown.ok)
    throw new UsageError(
      `cannot ask systemd about ${units.join(', ')}: ${shown.error.message.split('\n')[0]}`,
    );
  const props = parseShowUnits(shown.value.stdout);
  units.forEach((u, i) => {
    const p = props[i];
    if (!p || showValue(p, 'LoadState') === 'not-found') {
      const owner = services.find((s) => s.unit === u || s.workers.includes(u));
      throw new UsageError(`${u} (service ${owner?.name ?? '?'} in medic.yaml) is not a unit on this host`);
    }
    const exec = showExecCommands(p, 'ExecStart')[0];
    facts.set(u, {
      cgroup: showValue(p, 'ControlGroup') ?? '',
      comm: exec?.path.split('/').pop() ?? '',
      pids: new Set(),
    });
  });
}

/** The pids in a unit's cgroup, whichever cgroup layout the host has. */
async function cgroupProcs(cgroup: string): Promise<string | undefined> {
  if (!cgroup) return undefined;
  const host = localHost();
  for (const base of ['/sys/fs/cgroup', '/sys/fs/cgroup/systemd', '/sys/fs/cgroup/unified']) {
    const text = await host.readFile(`${base}${cgroup}/cgroup.procs`);
    if (text !== undefined) return text;
  }
  return undefined;
}

function logfmt(v: string): string {
  return /^[\w.:/@+-]+$/.test(v) ? v : JSON.stringify(v);
}
