// One watched service, Monit-style: explicit states, one evaluation step, restart limits. It hears the
// journal (crashes, systemd's restarts, OOM kills) as they happen and asks for health on an interval;
// while an incident is open it looks every second and probes health every two.
import type { WatchConfig } from '../config/medic-yaml.ts';
import type { Health } from '../discover/service.ts';
import type { HealthResult } from './health.ts';
import type { JournalSignal } from './journal.ts';
import type { Incident, Store } from '../store/store.ts';
import type { AlertKind } from './alert.ts';

export interface WatchedService {
  name: string;
  unit: string;
  /** Task worker units of the app: their crashes are the service's incidents too. */
  workers: string[];
  health: Health | null;
}

export interface UnitState {
  active: string;
  sub: string;
  result: string;
}

/** Every unit the services name (apps and their workers), once each. */
export function unitsOf(services: readonly WatchedService[]): string[] {
  return [...new Set(services.flatMap((s) => [s.unit, ...s.workers]))];
}

export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** What a watcher needs from the world; the daemon gives the real ones, nothing here touches the host. */
export interface WatcherDeps {
  store: Store;
  config: WatchConfig;
  now(): Date;
  log(level: 'info' | 'warn' | 'error', event: string, fields: LogFields): void;
  /** The units' states, in their order, from one `systemctl show`; null for one it cannot read. */
  unitStates(units: readonly string[]): Promise<(UnitState | null)[]>;
  probeHealth(h: Health): Promise<HealthResult>;
  /** reset-failed and restart, through sudo or polkit when medic is not root. */
  restart(unit: string): Promise<{ ok: boolean; error?: string }>;
  /** The diagnosis of the unit now, masked, from the journal since `since` (when the service was last seen well). */
  diagnose(unit: string, since: string | null): Promise<unknown>;
  /** Queues the alert for every notifier (once per incident and kind) and wakes the outbox. */
  alert(kind: AlertKind, incident: Incident, state: string): void;
  /** A metric changed. */
  metric?(service: string, change: { up?: boolean; restart?: 'systemd' | 'medic'; latencyMs?: number }): void;
}

const FAST_TICK_MS = 1000;
const FAST_HEALTH_MS = 2000;
/** A unit that crashed this recently is in systemd's restart loop, even when it looks up for a moment. */
const QUIET_MS = 15_000;

export class ServiceWatcher {
  readonly service: WatchedService;
  private readonly deps: WatcherDeps;
  private incident: Incident | null = null;
  private failuresInRow = 0;
  private lastHealth: HealthResult | null = null;
  /** Since when the unit has been up and healthy, while an incident is open. */
  private healthyFrom: number | null = null;
  private stoppedOnPurpose = new Set<string>();
  /** The last crash systemd reported: while it restarts the unit, failed health is its business. */
  private lastCrashAt = 0;
  /** When medic last saw the service well: errors in the journal before it are history. */
  private lastWellAt: string | null = null;
  private nextRestartAt = 0;
  private verifyUntil = 0;
  private verifyingRestart = 0;
  private restartsOff = false;
  private diagnosing = false;
  private healthTimer: NodeJS.Timeout | null = null;
  private tickTimer: NodeJS.Timeout | null = null;
  private ticking = false;
  private stopped = false;

  constructor(service: WatchedService, deps: WatcherDeps) {
    this.service = service;
    this.deps = deps;
  }

  get units(): string[] {
    return unitsOf([this.service]);
  }

  /** Picks up an incident left open by a previous run of medic, then starts probing. */
  async start(): Promise<void> {
    const open = this.deps.store.currentIncident(this.service.name);
    if (open) {
      this.incident = open;
      const lastMedic = this.deps.store
        .events(open.id)
        .filter((e) => e.kind === 'medic_restart')
        .pop();
      if (lastMedic) this.nextRestartAt = Date.parse(lastMedic.time) + this.backoffMs(open.medicRestarts);
      this.deps.metric?.(this.service.name, { up: false });
      this.deps.log('info', 'incident_continued', {
        service: this.service.name,
        incident: open.id,
        state: open.state,
        restarts: open.restarts,
      });
      if (!open.openAlerted) void this.diagnoseAndAlert();
      this.scheduleTick(0);
    } else {
      const [st] = await this.deps.unitStates([this.service.unit]);
      if (st && st.active === 'failed')
        this.openIncident('failed', `${this.service.unit} is failed (result: ${st.result})`, this.nowIso());
      else if (st && st.sub === 'auto-restart')
        this.openIncident('restart_loop', `${this.service.unit} is in a restart loop`, this.nowIso());
    }
    this.scheduleHealth(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.healthTimer) clearTimeout(this.healthTimer);
    if (this.tickTimer) clearTimeout(this.tickTimer);
  }

  /** A journal event about one of this service's units. */
  onSignal(s: JournalSignal): void {
    if (s.kind === 'exit' || s.kind === 'failed' || s.kind === 'restart_scheduled' || s.kind === 'oom')
      this.lastCrashAt = Math.max(this.lastCrashAt, Date.parse(s.time) || 0);
    switch (s.kind) {
      case 'exit':
        this.healthyFrom = null;
        this.openIncident('crash', crashSummary(s), s.time, s.text);
        return;
      case 'failed':
        this.healthyFrom = null;
        this.openIncident('failed', `${s.unit} failed (result: ${s.result})`, s.time, s.text);
        return;
      case 'restart_scheduled':
        this.healthyFrom = null;
        if (!this.incident) this.openIncident('restart_loop', `${s.unit} is restarting`, s.time, s.text);
        this.recordRestart(
          'systemd_restart',
          s.time,
          `systemd restarts ${s.unit} (its restart counter: ${s.n})`,
        );
        return;
      case 'oom':
        this.healthyFrom = null;
        this.openIncident(
          'oom',
          `the kernel OOM-killed ${s.process ? `${s.process}${s.pid ? ` (pid ${s.pid})` : ''}` : 'a process'} of ${s.unit}`,
          s.time,
          s.text,
        );
        return;
      case 'worker_killed':
        this.openIncident('worker_killed', `${s.unit} lost a worker to a signal`, s.time, s.text);
        return;
      case 'stopping':
        this.stoppedOnPurpose.add(s.unit);
        if (this.incident) this.event('systemd', s.time, s.text);
        return;
      case 'started':
        this.stoppedOnPurpose.delete(s.unit);
        if (this.incident) {
          this.event('systemd', s.time, s.text);
          this.scheduleTick(0);
        }
        return;
    }
  }

  private nowIso(): string {
    return this.deps.now().toISOString();
  }

  private event(kind: string, time: string, text: string): void {
    if (this.incident) this.deps.store.addEvent(this.incident.id, time, kind, text);
  }

  private openIncident(trigger: string, summary: string, startedAt: string, line?: string): void {
    const detectedAt = this.nowIso();
    if (this.incident) {
      this.event(trigger === 'restart_loop' ? 'systemd' : trigger, startedAt, line ?? summary);
      this.scheduleTick(0);
      return;
    }
    const incident = this.deps.store.transaction(() => {
      const i = this.deps.store.openIncident({
        service: this.service.name,
        unit: this.service.unit,
        trigger,
        summary,
        startedAt,
        detectedAt,
      });
      this.deps.store.addEvent(i.id, startedAt, trigger, line ?? summary);
      return i;
    });
    this.incident = incident;
    this.failuresInRow = trigger === 'unhealthy' ? this.failuresInRow : 0;
    this.nextRestartAt = 0;
    this.restartsOff = false;
    this.deps.log('warn', 'incident_opened', {
      service: this.service.name,
      incident: incident.id,
      trigger,
      summary,
      detect_ms: Math.max(0, Date.parse(detectedAt) - Date.parse(startedAt)),
    });
    this.deps.metric?.(this.service.name, { up: false });
    void this.diagnoseAndAlert();
    this.scheduleTick(0);
    this.scheduleHealth(Math.min(FAST_HEALTH_MS, this.deps.config.interval));
  }

  /** Attaches the diagnosis, then queues the "opened" alert with it. */
  private async diagnoseAndAlert(): Promise<void> {
    const incident = this.incident;
    if (!incident || this.diagnosing) return;
    this.diagnosing = true;
    let diagnosis: unknown = null;
    try {
      diagnosis = await this.deps.diagnose(this.service.unit, this.lastWellAt);
    } catch (error) {
      this.deps.log('warn', 'diagnosis_failed', {
        service: this.service.name,
        error: error instanceof Error ? error.message : String(error),
      });
    } finally {
      this.diagnosing = false;
    }
    if (this.stopped) return;
    const d = diagnosis as {
      cause?: { id: string; title: string } | null;
      firstFatal?: { line: string } | null;
      headline?: string;
    } | null;
    const cause = d?.cause ?? null;
    this.deps.store.transaction(() => {
      this.deps.store.update(incident.id, {
        diagnosis,
        causeId: cause?.id ?? null,
        causeTitle: cause?.title ?? null,
        firstFatal: d?.firstFatal?.line ?? null,
        openAlerted: true,
      });
      this.deps.store.addEvent(
        incident.id,
        this.nowIso(),
        'diagnosis',
        cause ? `diagnosis: ${cause.id}: ${cause.title}` : `diagnosis: ${d?.headline ?? 'could not run'}`,
      );
    });
    const fresh = this.deps.store.incident(incident.id);
    if (!fresh) return;
    if (this.incident?.id === fresh.id) this.incident = fresh;
    this.deps.log('info', 'incident_diagnosed', {
      service: this.service.name,
      incident: fresh.id,
      cause: fresh.causeId,
      first_fatal: fresh.firstFatal,
    });
    this.deps.alert('opened', fresh, await this.stateLine());
    // It may have been given up on, or resolved, while the diagnosis ran: those alerts follow this one.
    const after = this.deps.store.incident(fresh.id);
    if (after?.state === 'gave_up') this.deps.alert('gave_up', after, await this.stateLine());
    if (after?.state === 'resolved') this.deps.alert('resolved', after, resolvedLine(after));
  }

  private recordRestart(kind: 'systemd_restart' | 'medic_restart', time: string, text: string): void {
    if (!this.incident) return;
    const id = this.incident.id;
    const restarts = this.incident.restarts + 1;
    const medicRestarts = this.incident.medicRestarts + (kind === 'medic_restart' ? 1 : 0);
    this.deps.store.transaction(() => {
      this.deps.store.addEvent(id, time, kind, text);
      this.deps.store.update(id, { restarts, medicRestarts });
    });
    this.incident = { ...this.incident, restarts, medicRestarts };
    this.deps.metric?.(this.service.name, { restart: kind === 'medic_restart' ? 'medic' : 'systemd' });
  }

  /** After a restart, health has as long to come back as it takes to call it unhealthy. */
  private verifyMs(): number {
    const c = this.deps.config;
    return c.failures * Math.min(FAST_HEALTH_MS, c.interval) + c.timeout;
  }

  private backoffMs(medicRestarts: number): number {
    const r = this.deps.config.restart;
    return Math.min(r.maxBackoff, r.backoff * 2 ** Math.max(0, medicRestarts - 1));
  }

  private scheduleHealth(ms: number): void {
    if (this.stopped || !this.service.health) return;
    if (this.healthTimer) clearTimeout(this.healthTimer);
    this.healthTimer = setTimeout(() => void this.healthStep(), ms);
  }

  private async healthStep(): Promise<void> {
    const h = this.service.health;
    if (!h || this.stopped) return;
    const r = await this.deps.probeHealth(h);
    this.lastHealth = r;
    if (r.ok && !this.incident) this.lastWellAt = r.at;
    this.deps.metric?.(this.service.name, { latencyMs: r.ok ? r.ms : undefined });
    if (r.ok) {
      if (this.incident && this.failuresInRow > 0 && this.verifyingRestart === 0)
        this.event('health', r.at, `health OK again: HTTP ${r.status} in ${Math.round(r.ms)} ms`);
      this.failuresInRow = 0;
      if (this.incident && this.verifyingRestart > 0) {
        this.event(
          'health',
          r.at,
          `health verified after medic's restart ${this.verifyingRestart}: HTTP ${r.status} in ${Math.round(r.ms)} ms`,
        );
        this.verifyingRestart = 0;
      }
    } else {
      this.failuresInRow += 1;
      this.healthyFrom = null;
      if (this.incident && this.failuresInRow === 1)
        this.event('health', r.at, `health check failed: ${h.url}: ${r.problem ?? 'failed'}`);
      if (!this.incident && this.failuresInRow >= this.deps.config.failures) {
        this.openIncident(
          'unhealthy',
          `health failing: ${this.failuresInRow} requests in a row (${r.problem ?? 'failed'})`,
          r.at,
          `${h.url}: ${r.problem ?? 'failed'} (${this.failuresInRow} in a row)`,
        );
      } else if (!this.incident)
        this.deps.log('info', 'health_failed', {
          service: this.service.name,
          url: h.url,
          problem: r.problem,
          in_a_row: this.failuresInRow,
        });
    }
    if (this.incident) this.scheduleTick(0);
    this.scheduleHealth(
      this.incident ? Math.min(FAST_HEALTH_MS, this.deps.config.interval) : this.deps.config.interval,
    );
  }

  private scheduleTick(ms: number): void {
    if (this.stopped || !this.incident) return;
    if (this.tickTimer) clearTimeout(this.tickTimer);
    this.tickTimer = setTimeout(() => void this.tick(), ms);
  }

  /** One evaluation of an open incident: observe systemd, restart when needed, resolve when it holds. */
  private async tick(): Promise<void> {
    if (this.ticking || this.stopped || !this.incident) return;
    this.ticking = true;
    try {
      await this.evaluate();
    } finally {
      this.ticking = false;
      this.scheduleTick(FAST_TICK_MS);
    }
  }

  private async evaluate(): Promise<void> {
    const incident = this.incident;
    if (!incident) return;
    const now = this.deps.now().getTime();
    const units = this.units;
    const states = await this.deps.unitStates(units);
    const main = states[0];
    if (!main) return;
    const running = (st: UnitState) =>
      st.active === 'active' && (st.sub === 'running' || st.sub === 'exited');
    const down = units
      .map((unit, i) => ({ unit, st: states[i] }))
      .filter((x): x is { unit: string; st: UnitState } => !!x.st && !running(x.st));
    const healthy =
      down.length === 0 &&
      (!this.service.health || (this.lastHealth?.ok === true && this.failuresInRow === 0));

    if (this.verifyingRestart > 0 && now > this.verifyUntil) {
      this.event(
        'health',
        this.nowIso(),
        `health did not come back within ${Math.round(this.verifyMs() / 1000)} s of medic's restart ${this.verifyingRestart}`,
      );
      this.verifyingRestart = 0;
    }

    if (healthy) {
      this.healthyFrom ??= now;
      if (now - this.healthyFrom >= this.deps.config.resolveAfter) this.resolve(this.healthyFrom);
      return;
    }
    this.healthyFrom = null;

    // A restart loop, systemd's or medic's, that has gone on too long needs a human.
    const window = this.deps.config.restart.window;
    const recent = this.deps.store.restartTimes(this.service.name, new Date(now - window).toISOString());
    if (incident.state !== 'gave_up' && recent.length >= this.deps.config.restart.limit) {
      this.giveUp(`${recent.length} restarts within ${Math.round(window / 1000)} s and it is still not well`);
      return;
    }

    let target = this.service.unit;
    let reason: string | null = null;
    const failed = down.find((x) => x.st.active === 'failed');
    const stopped = down.find((x) => x.st.active === 'inactive');
    // systemd's Restart= is on it (auto-restart, activating): observe, do not fight it.
    const transitional = down.find((x) => x.st.active !== 'failed' && x.st.active !== 'inactive');
    if (failed) {
      target = failed.unit;
      reason = `${failed.unit} is failed (result: ${failed.st.result})`;
    } else if (transitional) return;
    else if (stopped) {
      if (this.stoppedOnPurpose.has(stopped.unit)) {
        this.noteOnce(`${stopped.unit} was stopped on purpose (systemctl stop): medic does not start it`);
        return;
      }
      target = stopped.unit;
      reason = `${stopped.unit} is stopped`;
    } else if (
      this.service.health &&
      this.failuresInRow >= this.deps.config.failures &&
      now - this.lastCrashAt > Math.max(QUIET_MS, this.deps.config.failures * this.deps.config.interval)
    )
      reason = `health still failing (${this.lastHealth?.problem ?? 'failed'})`;
    if (!reason) return;
    if (this.verifyingRestart > 0) return; // give the last restart its chance first
    if (incident.state === 'gave_up') return;
    if (!this.deps.config.restart.enabled) {
      if (!this.restartsOff)
        this.event(
          'note',
          this.nowIso(),
          `${reason}; restarts are off in medic.yaml (watch.restart.enabled)`,
        );
      this.restartsOff = true;
      return;
    }
    if (now < this.nextRestartAt) return;
    const k = incident.medicRestarts + 1;
    this.recordRestart(
      'medic_restart',
      this.nowIso(),
      `medic restarts ${target}: ${reason} (medic's restart ${k}; the next no sooner than ${Math.round(this.backoffMs(k) / 1000)} s later)`,
    );
    this.nextRestartAt = now + this.backoffMs(k);
    this.deps.log('warn', 'restarting', { service: this.service.name, unit: target, reason, restart: k });
    const r = await this.deps.restart(target);
    if (!r.ok) {
      this.event('note', this.nowIso(), `medic could not restart ${target}: ${r.error ?? 'error'}`);
      this.deps.log('error', 'restart_failed', { service: this.service.name, error: r.error });
      return;
    }
    this.verifyingRestart = k;
    this.verifyUntil = this.deps.now().getTime() + this.verifyMs();
    this.failuresInRow = 0;
    this.scheduleHealth(500);
  }

  private noteOnce(text: string): void {
    if (!this.incident) return;
    if (this.deps.store.events(this.incident.id).some((e) => e.kind === 'note' && e.text === text)) return;
    this.event('note', this.nowIso(), text);
  }

  private giveUp(why: string): void {
    const incident = this.incident;
    if (!incident) return;
    const text = `medic stops restarting ${this.service.unit}: ${why}. A human is needed (systemd's own Restart= goes on as configured).`;
    this.deps.store.transaction(() => {
      this.deps.store.update(incident.id, { state: 'gave_up' });
      this.deps.store.addEvent(incident.id, this.nowIso(), 'gave_up', text);
    });
    this.incident = { ...incident, state: 'gave_up' };
    this.deps.log('error', 'gave_up', { service: this.service.name, incident: incident.id, why });
    // Before the diagnosis is in, the "opened" alert is not queued yet; it queues this one after it.
    void this.stateLine().then((state) => {
      const fresh = this.deps.store.incident(incident.id);
      if (fresh?.openAlerted) this.deps.alert('gave_up', fresh, state);
    });
  }

  private resolve(healthyFrom: number): void {
    const incident = this.incident;
    if (!incident) return;
    const recoveredAt = new Date(healthyFrom).toISOString();
    const resolvedAt = this.nowIso();
    const hold = Math.round(this.deps.config.resolveAfter / 1000);
    this.deps.store.transaction(() => {
      this.deps.store.update(incident.id, { state: 'resolved', recoveredAt, resolvedAt });
      this.deps.store.addEvent(incident.id, resolvedAt, 'resolved', `resolved: up and healthy for ${hold} s`);
    });
    const fresh = this.deps.store.incident(incident.id);
    this.incident = null;
    this.failuresInRow = 0;
    this.verifyingRestart = 0;
    this.lastWellAt = resolvedAt;
    if (this.tickTimer) clearTimeout(this.tickTimer);
    this.deps.metric?.(this.service.name, { up: true });
    if (!fresh) return;
    this.deps.log('info', 'incident_resolved', {
      service: this.service.name,
      incident: fresh.id,
      detect_ms: Date.parse(fresh.detectedAt) - Date.parse(fresh.startedAt),
      recover_ms: Date.parse(recoveredAt) - Date.parse(fresh.startedAt),
      restarts: fresh.restarts,
    });
    // The "opened" alert goes first: before the diagnosis is in, it queues this one after it.
    if (fresh.openAlerted) this.deps.alert('resolved', fresh, resolvedLine(fresh));
    this.scheduleHealth(this.deps.config.interval);
  }

  /** The state now, in a line for alerts. */
  async stateLine(): Promise<string> {
    const [st] = await this.deps.unitStates([this.service.unit]);
    const unit = st ? `${st.active} (${st.sub})` : 'unknown';
    const h = this.lastHealth;
    const health = this.service.health
      ? h
        ? h.ok
          ? `, health OK (HTTP ${h.status} in ${Math.round(h.ms)} ms)`
          : `, health failing (${h.problem ?? 'failed'})`
        : ''
      : '';
    return `${this.service.unit} ${unit}${health}`;
  }
}

function resolvedLine(i: Incident): string {
  return `${i.unit} up and healthy since ${(i.recoveredAt ?? i.resolvedAt ?? '').slice(11, 19)} UTC`;
}

const SIGNALS: Record<string, string> = {
  '1': 'SIGHUP',
  '2': 'SIGINT',
  '6': 'SIGABRT',
  '9': 'SIGKILL',
  '11': 'SIGSEGV',
  '15': 'SIGTERM',
};

function signalName(status: string): string {
  const known = SIGNALS[status];
  if (known) return known;
  return /^[A-Z]+$/.test(status) ? `SIG${status}` : `signal ${status}`;
}

function crashSummary(s: Extract<JournalSignal, { kind: 'exit' }>): string {
  if (s.code === 'killed' || s.code === 'dumped')
    return `${s.unit} crashed: its main process was killed by ${signalName(s.status)}${s.code === 'dumped' ? ' (core dumped)' : ''}`;
  return `${s.unit} crashed: its main process exited with status ${s.status}`;
}
