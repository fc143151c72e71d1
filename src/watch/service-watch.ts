// One watched service: feeds what the journal, systemd and the health request say into the state machine
// (machine.ts) and carries out what it decides. It hears the journal as it is written and asks for health
// on an interval; while an incident is open the machine asks for systemd's view every second.
import type { WatchConfig } from '../config/medic-yaml.ts';
import type { Health } from '../discover/service.ts';
import type { Incident, Store } from '../store/store.ts';
import type { AlertKind } from './alert.ts';
import type { HealthResult } from './health.ts';
import { resolvedLine } from './incident-text.ts';
import type { JournalSignal } from './journal.ts';
import {
  type Action,
  initialState,
  type LogFields,
  type MetricChange,
  type Observation,
  type StoredIncident,
  step,
  type WatchState,
} from './machine.ts';
import type { UnitState } from '../host/systemctl.ts';
import { unitsOf, type WatchedService } from './service.ts';

/** Health answers kept for the dashboard: one each 30 s, for three days. */
export const HEALTH_SAMPLE_MS = 30_000;
const HEALTH_KEPT_MS = 3 * 86_400_000;

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
  metric?(service: string, change: MetricChange): void;
}

export class ServiceWatcher {
  readonly service: WatchedService;
  private readonly deps: WatcherDeps;
  private state: WatchState;
  /** The machine's incident numbers and the store's ids. */
  private readonly ids = new Map<number, number>();
  private healthTimer: NodeJS.Timeout | null = null;
  private unitsTimer: NodeJS.Timeout | null = null;
  /** A diagnosis asked for later, by incident: one asked now replaces it. */
  private readonly diagnoseTimers = new Map<number, NodeJS.Timeout>();
  private reading = false;
  /** Alerts are queued one after the other: a "resolved" never overtakes its "opened". */
  private alerts: Promise<void> = Promise.resolve();
  private stopped = false;
  private lastSampleAt = 0;

  constructor(service: WatchedService, deps: WatcherDeps) {
    this.service = service;
    this.deps = deps;
    this.state = initialState(service, deps.config);
  }

  get units(): string[] {
    return unitsOf([this.service]);
  }

  /** Picks up an incident left open by a previous run of medic, else looks at the unit, then starts probing. */
  async start(): Promise<void> {
    const { store, config } = this.deps;
    const since = new Date(this.deps.now().getTime() - config.restart.window).toISOString();
    const open = store.currentIncident(this.service.name);
    const unit = open ? null : ((await this.deps.unitStates([this.service.unit]))[0] ?? null);
    this.feed({
      kind: 'start',
      open: open ? storedIncident(open, store) : null,
      unit,
      restartTimes: store.restartTimes(this.service.name, since),
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.healthTimer) clearTimeout(this.healthTimer);
    if (this.unitsTimer) clearTimeout(this.unitsTimer);
    for (const t of this.diagnoseTimers.values()) clearTimeout(t);
    this.diagnoseTimers.clear();
  }

  /** A journal event about one of this service's units. */
  onSignal(signal: JournalSignal): void {
    this.feed({ kind: 'signal', signal });
  }

  private feed(o: Observation): void {
    if (this.stopped) return;
    const { state, actions } = step(this.state, o, this.deps.now().getTime());
    this.state = state;
    for (const a of actions) this.perform(a);
  }

  private perform(a: Action): void {
    const { store } = this.deps;
    switch (a.kind) {
      case 'open_incident': {
        const i = store.transaction(() => {
          const opened = store.openIncident({
            service: this.service.name,
            unit: this.service.unit,
            trigger: a.trigger,
            summary: a.summary,
            startedAt: a.startedAt,
            detectedAt: a.detectedAt,
          });
          store.addEvent(opened.id, a.startedAt, a.trigger, a.line);
          return opened;
        });
        this.ids.set(a.ref, i.id);
        return;
      }
      case 'continue_incident':
        this.ids.set(a.ref, a.id);
        return;
      case 'timeline':
        return this.onIncident(a.ref, (id) => store.addEvent(id, a.time, a.event, a.text));
      case 'count_restart':
        return this.onIncident(a.ref, (id) =>
          store.transaction(() => {
            store.addEvent(id, a.time, a.event, a.text);
            store.update(id, { restarts: a.restarts, medicRestarts: a.medicRestarts });
          }),
        );
      case 'attach_diagnosis':
        return this.onIncident(a.ref, (id) =>
          store.transaction(() => {
            store.update(id, {
              diagnosis: a.diagnosis,
              causeId: a.causeId,
              causeTitle: a.causeTitle,
              firstFatal: a.firstFatal,
              openAlerted: true,
            });
            store.addEvent(id, a.time, 'diagnosis', a.text);
          }),
        );
      case 'give_up':
        return this.onIncident(a.ref, (id) =>
          store.transaction(() => {
            store.update(id, { state: 'gave_up' });
            store.addEvent(id, a.time, 'gave_up', a.text);
          }),
        );
      case 'resolve':
        return this.onIncident(a.ref, (id) =>
          store.transaction(() => {
            store.update(id, { state: 'resolved', recoveredAt: a.recoveredAt, resolvedAt: a.resolvedAt });
            store.addEvent(id, a.resolvedAt, 'resolved', a.text);
          }),
        );
      case 'alert':
        return this.onIncident(a.ref, (id) => this.queueAlert(a.alert, id));
      case 'restart':
        void this.deps.restart(a.unit).then((r) => this.feed({ kind: 'restarted', unit: a.unit, ...r }));
        return;
      case 'diagnose': {
        const waiting = this.diagnoseTimers.get(a.ref);
        if (waiting) clearTimeout(waiting);
        this.diagnoseTimers.delete(a.ref);
        if (a.inMs === undefined) void this.diagnose(a.ref, a.since);
        else if (!this.stopped)
          this.diagnoseTimers.set(
            a.ref,
            setTimeout(() => {
              this.diagnoseTimers.delete(a.ref);
              void this.diagnose(a.ref, a.since);
            }, a.inMs),
          );
        return;
      }
      case 'probe_health':
        if (this.healthTimer) clearTimeout(this.healthTimer);
        if (!this.stopped) this.healthTimer = setTimeout(() => void this.probeHealth(), a.inMs);
        return;
      case 'read_units':
        if (this.unitsTimer) clearTimeout(this.unitsTimer);
        if (!this.stopped) this.unitsTimer = setTimeout(() => void this.readUnits(), a.inMs);
        return;
      case 'log': {
        const id = a.ref === undefined ? undefined : this.ids.get(a.ref);
        this.deps.log(a.level, a.event, {
          service: this.service.name,
          ...(id === undefined ? {} : { incident: id }),
          ...a.fields,
        });
        return;
      }
      case 'metric':
        this.deps.metric?.(this.service.name, a.change);
        return;
    }
  }

  private onIncident(ref: number, fn: (id: number) => void): void {
    const id = this.ids.get(ref);
    if (id !== undefined) fn(id);
  }

  private queueAlert(kind: AlertKind, id: number): void {
    this.alerts = this.alerts
      .then(async () => {
        const incident = this.deps.store.incident(id);
        if (!incident) return;
        const line = kind === 'resolved' ? resolvedLine(incident) : await this.stateLine();
        this.deps.alert(kind, incident, line);
      })
      .catch((error: unknown) =>
        this.deps.log('error', 'alert_failed', {
          service: this.service.name,
          incident: id,
          error: error instanceof Error ? error.message : String(error),
        }),
      );
  }

  private async diagnose(ref: number, since: string | null): Promise<void> {
    let diagnosis: unknown = null;
    try {
      diagnosis = await this.deps.diagnose(this.service.unit, since);
    } catch (error) {
      this.deps.log('warn', 'diagnosis_failed', {
        service: this.service.name,
        error: error instanceof Error ? error.message : String(error),
      });
    }
    this.feed({ kind: 'diagnosed', ref, diagnosis });
  }

  private async probeHealth(): Promise<void> {
    if (!this.service.health || this.stopped) return;
    const result = await this.deps.probeHealth(this.service.health);
    this.sampleHealth(result);
    this.feed({ kind: 'health', result });
  }

  /** One answer each HEALTH_SAMPLE_MS goes to the store, for the dashboard's chart; a few days are kept. */
  private sampleHealth(r: HealthResult): void {
    const now = this.deps.now().getTime();
    if (now - this.lastSampleAt < HEALTH_SAMPLE_MS) return;
    this.lastSampleAt = now;
    const sample = { at: r.at, ok: r.ok, ms: r.ms, status: r.status ?? null, problem: r.problem ?? null };
    try {
      this.deps.store.recordHealth(this.service.name, sample, new Date(now - HEALTH_KEPT_MS).toISOString());
    } catch (error) {
      this.deps.log('warn', 'health_sample', {
        service: this.service.name,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  /** The phase and the last health answer, for the dashboard of the running daemon. */
  get live(): { phase: WatchState['phase']['name']; lastHealth: HealthResult | null } {
    return { phase: this.state.phase.name, lastHealth: this.state.lastHealth };
  }

  /** One reading at a time: a look asked for while one runs is the next tick's. */
  private async readUnits(): Promise<void> {
    if (this.reading || this.stopped) return;
    this.reading = true;
    try {
      const states = await this.deps.unitStates(this.units);
      this.feed({ kind: 'units', states });
    } finally {
      this.reading = false;
    }
  }

  /** The state now, in a line for alerts. */
  async stateLine(): Promise<string> {
    const [st] = await this.deps.unitStates([this.service.unit]);
    const unit = st ? `${st.active} (${st.sub})` : 'unknown';
    const h = this.state.lastHealth;
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

/** An incident a previous run left open, with what the machine needs of its timeline. */
function storedIncident(open: Incident, store: Store): StoredIncident {
  const events = store.events(open.id);
  return {
    id: open.id,
    state: open.state,
    startedAt: open.startedAt,
    detectedAt: open.detectedAt,
    restarts: open.restarts,
    medicRestarts: open.medicRestarts,
    openAlerted: open.openAlerted,
    lastMedicRestartAt: events.filter((e) => e.kind === 'medic_restart').pop()?.time ?? null,
    notes: events.filter((e) => e.kind === 'note').map((e) => e.text),
  };
}
