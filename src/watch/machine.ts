// One watched service as a state machine, as Monit runs one: `step(state, observation, now)` decides and
// returns the next state and the actions to carry out. Nothing here reads a clock or touches the host:
// the ServiceWatcher feeds in what the journal, systemd and the health request said, and does the rest.
import type { WatchConfig } from '../config/medic-yaml.ts';
import type { UnitState } from '../host/systemctl.ts';
import type { AlertKind } from './alert.ts';
import type { HealthResult } from './health.ts';
import { crashSummary, oomSummary } from './incident-text.ts';
import type { JournalSignal } from './journal.ts';
import { unitsOf, type WatchedService } from './service.ts';

/** While an incident is open, systemd is asked every second and health every two. */
export const FAST_TICK_MS = 1000;
export const FAST_HEALTH_MS = 2000;
/** A unit that crashed this recently is in systemd's restart loop, even when it looks up for a moment. */
export const QUIET_MS = 15_000;
/**
 * A unit stopped on purpose has this long to start again before failed health counts (a stop that takes
 * longer is a stop, noted as such).
 */
export const STOP_GRACE_MS = 15_000;
/** After a restart asked for, the new process has this long (or `verifyMs`, if longer) to answer health. */
export const START_GRACE_MS = 15_000;
/** After medic's restart, health is asked again this soon. */
const AFTER_RESTART_MS = 500;
/**
 * A first diagnosis that finds only a symptom (the health check fails) or nothing: the opened alert waits for
 * a second look at the next sign of failure, or this long, whichever comes first.
 */
export const HOLD_MS = 10_000;
/** Causes that say what fails, not why: a first diagnosis that finds only these is looked at again. */
const SYMPTOMS = new Set(['health_check_failing']);

/** An incident not resolved yet, as the machine keeps it. */
export interface OpenIncident {
  /** The machine's own number for it; the watcher knows the store's id. */
  ref: number;
  startedAt: string;
  detectedAt: string;
  /** Every restart while it is open: systemd's own and medic's. */
  restarts: number;
  medicRestarts: number;
  /** running: its diagnosis is being made; alerted: the "opened" alert went out, the others may follow. */
  diagnosis: 'running' | 'alerted';
  /** Back-off: medic restarts nothing before this time. */
  nextRestartAt: number;
  /** Notes already on its timeline: each is written once. */
  notes: readonly string[];
  restartsOffNoted: boolean;
  /**
   * The diagnosis put the cause outside the service's own process (its database, its cache, its task
   * workers): restarting the app cannot fix it, so medic does not. The cause's id and layer.
   */
  elsewhere: { cause: string; layer: string } | null;
  /** Its diagnosis named a cause, or was asked twice. One that did not is asked again, once, at the next sign of failure. */
  causeKnown: boolean;
  /** That second diagnosis is being made: its cause goes into the store, and no alert is sent again. */
  rediagnosing: boolean;
  /**
   * The first diagnosis found only a symptom: waiting (for the next sign of failure or HOLD_MS), or asked
   * (the second look is being made). The opened alert goes out with the second look's cause.
   */
  hold?: 'waiting' | 'asked';
}

/** A restart medic made, whose health has until `until` to come back. */
export interface Verification {
  restart: number;
  until: number;
}

/**
 * up: no incident, health answers. suspect: no incident, health failed fewer times than `failures`.
 * down: an incident is open and medic observes (systemd's restart loop, back-off, no reason yet).
 * stopped: a unit of it was stopped on purpose; medic does not start it. restarting: medic's restart
 * runs. verifying: it ran, health has a while to come back. recovering: up and healthy since `since`,
 * resolved once that lasts `resolveAfter`. gave_up: the restart limit was reached; a human is needed,
 * and it still resolves when it heals.
 */
export type Phase =
  | { name: 'up' }
  | { name: 'suspect' }
  | { name: 'down'; incident: OpenIncident }
  | { name: 'stopped'; incident: OpenIncident; unit: string }
  | { name: 'restarting'; incident: OpenIncident; unit: string; restart: number }
  | { name: 'verifying'; incident: OpenIncident; check: Verification; healthySince: number | null }
  | { name: 'recovering'; incident: OpenIncident; since: number }
  | { name: 'gave_up'; incident: OpenIncident; check: Verification | null; healthySince: number | null };

export interface WatchState {
  readonly service: WatchedService;
  readonly config: WatchConfig;
  phase: Phase;
  lastHealth: HealthResult | null;
  failuresInRow: number;
  /** Units stopped by a stop job (systemctl stop), until they start again. */
  stoppedOnPurpose: readonly string[];
  /** The last crash systemd reported: while it restarts the unit, failed health is its business. */
  lastCrashAt: number;
  /**
   * A restart asked for (the main unit stopped on purpose, by a deploy, a person or compose's recreate, with
   * no incident open): when, and when it started again. Health failing in that stretch is the restart's own
   * downtime, not yet an incident; a crash still is one at once.
   */
  askedRestart: { stopAt: number; startAt: number | null } | null;
  /** When medic last saw the service well: errors in the journal before it are history. */
  lastWellAt: string | null;
  /** This service's restarts, systemd's and medic's, within the restart window: the restart limit. */
  restartTimes: readonly number[];
  lastRef: number;
  /** Resolved incidents whose diagnosis is still running: their "resolved" follows their "opened". */
  unalerted: readonly number[];
}

/** An incident left open by a previous run of medic, as the store has it. */
export interface StoredIncident {
  id: number;
  state: 'open' | 'gave_up' | 'resolved';
  startedAt: string;
  detectedAt: string;
  restarts: number;
  medicRestarts: number;
  openAlerted: boolean;
  /** Its last medic_restart event's time: the back-off goes on from there. */
  lastMedicRestartAt: string | null;
  notes: string[];
}

export type Observation =
  /** medic starts: an incident a previous run left open, else the main unit's state; the window's restarts. */
  | { kind: 'start'; open: StoredIncident | null; unit: UnitState | null; restartTimes: string[] }
  | { kind: 'signal'; signal: JournalSignal }
  | { kind: 'health'; result: HealthResult }
  /** The tick: every unit's state (unitsOf order), null for one systemd would not tell. */
  | { kind: 'units'; states: (UnitState | null)[] }
  | { kind: 'restarted'; unit: string; ok: boolean; error?: string }
  /** The diagnosis of an incident is done (null when it could not be made). */
  | { kind: 'diagnosed'; ref: number; diagnosis: unknown };

export type LogFields = Record<string, string | number | boolean | null | undefined>;
export type MetricChange = {
  up?: boolean;
  restart?: 'systemd' | 'medic';
  latencyMs?: number;
  /** An incident was diagnosed with this cause ("unknown" when none was found). */
  cause?: string;
  /** An incident opened this long after it started. */
  detectMs?: number;
  /** A resolved incident was healthy again this long after it started. */
  recoverMs?: number;
};

export type Action =
  | {
      kind: 'open_incident';
      ref: number;
      trigger: string;
      summary: string;
      startedAt: string;
      detectedAt: string;
      /** Its first timeline line. */
      line: string;
    }
  /** From now on `ref` is the stored incident `id`. */
  | { kind: 'continue_incident'; ref: number; id: number }
  | { kind: 'timeline'; ref: number; time: string; event: string; text: string }
  | {
      kind: 'count_restart';
      ref: number;
      event: 'systemd_restart' | 'medic_restart';
      time: string;
      text: string;
      restarts: number;
      medicRestarts: number;
    }
  | {
      kind: 'attach_diagnosis';
      ref: number;
      time: string;
      diagnosis: unknown;
      causeId: string | null;
      causeTitle: string | null;
      firstFatal: string | null;
      text: string;
    }
  | { kind: 'give_up'; ref: number; time: string; text: string }
  | { kind: 'resolve'; ref: number; recoveredAt: string; resolvedAt: string; text: string }
  | { kind: 'alert'; ref: number; alert: AlertKind }
  | { kind: 'restart'; unit: string }
  /** Diagnose the incident now, or in `inMs` (a held first diagnosis); a diagnose asked now replaces a later one. */
  | { kind: 'diagnose'; ref: number; since: string | null; inMs?: number }
  /** Ask health (read the units) in `inMs`, in place of any request already waiting. */
  | { kind: 'probe_health'; inMs: number }
  | { kind: 'read_units'; inMs: number }
  | { kind: 'log'; level: 'info' | 'warn' | 'error'; event: string; ref?: number; fields: LogFields }
  | { kind: 'metric'; change: MetricChange };

export interface Step {
  state: WatchState;
  actions: Action[];
}

export function initialState(service: WatchedService, config: WatchConfig): WatchState {
  return {
    service,
    config,
    phase: { name: 'up' },
    lastHealth: null,
    failuresInRow: 0,
    stoppedOnPurpose: [],
    askedRestart: null,
    lastCrashAt: 0,
    lastWellAt: null,
    restartTimes: [],
    lastRef: 0,
    unalerted: [],
  };
}

export function step(state: WatchState, o: Observation, now: number): Step {
  switch (o.kind) {
    case 'start':
      return onStart(state, o, now);
    case 'signal':
      return onSignal(state, o.signal, now);
    case 'health':
      return onHealth(state, o.result, now);
    case 'units':
      return onUnits(state, o.states, now);
    case 'restarted':
      return onRestarted(state, o, now);
    case 'diagnosed':
      return onDiagnosed(state, o.ref, o.diagnosis, now);
  }
}

export function incidentOf(phase: Phase): OpenIncident | null {
  return 'incident' in phase ? phase.incident : null;
}

const iso = (ms: number) => new Date(ms).toISOString();

function fastHealthMs(c: WatchConfig): number {
  return Math.min(FAST_HEALTH_MS, c.interval);
}

/** After a restart, health has as long to come back as it takes to call it unhealthy. */
export function verifyMs(c: WatchConfig): number {
  return c.failures * fastHealthMs(c) + c.timeout;
}

export function backoffMs(c: WatchConfig, medicRestarts: number): number {
  return Math.min(c.restart.maxBackoff, c.restart.backoff * 2 ** Math.max(0, medicRestarts - 1));
}

/** The phase with its incident replaced. */
function withIncident(phase: Phase, incident: OpenIncident): Phase {
  return 'incident' in phase ? { ...phase, incident } : phase;
}

/** Since when it has been up and healthy while the incident is open, if it is. */
function healthySinceOf(phase: Phase): number | null {
  if (phase.name === 'recovering') return phase.since;
  if (phase.name === 'verifying' || phase.name === 'gave_up') return phase.healthySince;
  return null;
}

/** Layers of a cause that a restart of the app's own process cannot fix. */
const OUTSIDE_THE_PROCESS = new Set(['database', 'cache', 'workers']);

/** A crash or failed health: whatever healthy stretch there was is over. */
function notHealthy(phase: Phase): Phase {
  if (phase.name === 'recovering') return { name: 'down', incident: phase.incident };
  if (phase.name === 'verifying' || phase.name === 'gave_up') return { ...phase, healthySince: null };
  return phase;
}

function scheduleHealth(s: WatchState, inMs: number): Action[] {
  return s.service.health ? [{ kind: 'probe_health', inMs }] : [];
}

function onStart(state: WatchState, o: Extract<Observation, { kind: 'start' }>, now: number): Step {
  let s: WatchState = { ...state, restartTimes: o.restartTimes.map((t) => Date.parse(t)) };
  const actions: Action[] = [];
  const open = o.open;
  if (open) {
    const ref = s.lastRef + 1;
    const incident: OpenIncident = {
      ref,
      startedAt: open.startedAt,
      detectedAt: open.detectedAt,
      restarts: open.restarts,
      medicRestarts: open.medicRestarts,
      diagnosis: open.openAlerted ? 'alerted' : 'running',
      nextRestartAt: open.lastMedicRestartAt
        ? Date.parse(open.lastMedicRestartAt) + backoffMs(s.config, open.medicRestarts)
        : 0,
      notes: open.notes,
      restartsOffNoted: false,
      elsewhere: null,
      causeKnown: true,
      rediagnosing: false,
    };
    s = {
      ...s,
      lastRef: ref,
      phase:
        open.state === 'gave_up'
          ? { name: 'gave_up', incident, check: null, healthySince: null }
          : { name: 'down', incident },
    };
    actions.push(
      { kind: 'continue_incident', ref, id: open.id },
      { kind: 'metric', change: { up: false } },
      {
        kind: 'log',
        level: 'info',
        event: 'incident_continued',
        ref,
        fields: { state: open.state, restarts: open.restarts },
      },
    );
    if (!open.openAlerted) actions.push({ kind: 'diagnose', ref, since: s.lastWellAt });
    actions.push({ kind: 'read_units', inMs: 0 });
  } else if (o.unit?.active === 'failed' || o.unit?.sub === 'auto-restart') {
    const unit = s.service.unit;
    const r =
      o.unit.active === 'failed'
        ? opened(s, 'failed', `${unit} is failed (result: ${o.unit.result})`, iso(now), null, now)
        : opened(s, 'restart_loop', `${unit} is in a restart loop`, iso(now), null, now);
    s = r.state;
    actions.push(...r.actions, { kind: 'read_units', inMs: 0 });
  }
  return { state: s, actions: [...actions, ...scheduleHealth(s, 0)] };
}

/**
 * A sign of failure: a new incident, or a line on the open one's timeline. The caller schedules the
 * next look.
 */
function opened(
  state: WatchState,
  trigger: string,
  summary: string,
  startedAt: string,
  line: string | null,
  now: number,
): Step & { isNew: boolean } {
  const current = incidentOf(state.phase);
  if (current) {
    const actions: Action[] = [
      {
        kind: 'timeline',
        ref: current.ref,
        time: startedAt,
        event: trigger === 'restart_loop' ? 'systemd' : trigger,
        text: line ?? summary,
      },
    ];
    // The opened alert waits on a second look: this sign of failure is the moment for it.
    if (current.diagnosis === 'running' && current.hold === 'waiting') {
      actions.push({ kind: 'diagnose', ref: current.ref, since: state.lastWellAt });
      return {
        state: { ...state, phase: withIncident(state.phase, { ...current, hold: 'asked' }) },
        actions,
        isNew: false,
      };
    }
    // The first diagnosis found no cause (it ran while the failure was still taking shape, a container
    // being recreated): this sign of failure is what to diagnose again.
    if (current.diagnosis === 'alerted' && !current.causeKnown && !current.rediagnosing) {
      actions.push({ kind: 'diagnose', ref: current.ref, since: state.lastWellAt });
      return {
        state: { ...state, phase: withIncident(state.phase, { ...current, rediagnosing: true }) },
        actions,
        isNew: false,
      };
    }
    return { state, actions, isNew: false };
  }
  const ref = state.lastRef + 1;
  const detectedAt = iso(now);
  const detectMs = Math.max(0, Date.parse(detectedAt) - Date.parse(startedAt));
  const incident: OpenIncident = {
    ref,
    startedAt,
    detectedAt,
    restarts: 0,
    medicRestarts: 0,
    diagnosis: 'running',
    nextRestartAt: 0,
    notes: [],
    restartsOffNoted: false,
    elsewhere: null,
    causeKnown: false,
    rediagnosing: false,
  };
  return {
    state: {
      ...state,
      lastRef: ref,
      phase: { name: 'down', incident },
      failuresInRow: trigger === 'unhealthy' ? state.failuresInRow : 0,
    },
    actions: [
      { kind: 'open_incident', ref, trigger, summary, startedAt, detectedAt, line: line ?? summary },
      {
        kind: 'log',
        level: 'warn',
        event: 'incident_opened',
        ref,
        fields: {
          trigger,
          summary,
          detect_ms: detectMs,
        },
      },
      { kind: 'metric', change: { up: false, detectMs } },
      { kind: 'diagnose', ref, since: state.lastWellAt },
    ],
    isNew: true,
  };
}

/** A restart, systemd's or medic's, counted on the open incident and toward the restart limit. */
function countRestart(
  state: WatchState,
  event: 'systemd_restart' | 'medic_restart',
  time: string,
  text: string,
  now: number,
): Step {
  const incident = incidentOf(state.phase);
  if (!incident) return { state, actions: [] };
  const restarts = incident.restarts + 1;
  const medicRestarts = incident.medicRestarts + (event === 'medic_restart' ? 1 : 0);
  const from = now - state.config.restart.window;
  return {
    state: {
      ...state,
      phase: withIncident(state.phase, { ...incident, restarts, medicRestarts }),
      restartTimes: [...state.restartTimes.filter((t) => t >= from), Date.parse(time)],
    },
    actions: [
      { kind: 'count_restart', ref: incident.ref, event, time, text, restarts, medicRestarts },
      { kind: 'metric', change: { restart: event === 'medic_restart' ? 'medic' : 'systemd' } },
    ],
  };
}

function onSignal(state: WatchState, sig: JournalSignal, now: number): Step {
  let s = state;
  if (sig.kind === 'exit' || sig.kind === 'failed' || sig.kind === 'restart_scheduled' || sig.kind === 'oom')
    s = { ...s, lastCrashAt: Math.max(s.lastCrashAt, Date.parse(sig.time) || 0), phase: notHealthy(s.phase) };
  const failure = (trigger: string, summary: string): Step => {
    const r = opened(s, trigger, summary, sig.time, sig.text, now);
    const look: Action[] = [{ kind: 'read_units', inMs: 0 }];
    if (r.isNew) look.push(...scheduleHealth(s, fastHealthMs(s.config)));
    return { state: r.state, actions: [...r.actions, ...look] };
  };
  const incident = incidentOf(s.phase);
  switch (sig.kind) {
    case 'exit':
      return failure('crash', crashSummary(sig));
    case 'failed':
      return failure('failed', `${sig.unit} failed (result: ${sig.result})`);
    case 'oom':
      return failure('oom', oomSummary(sig));
    case 'worker_killed':
      return failure('worker_killed', `${sig.unit} lost a worker to a signal`);
    case 'restart_scheduled': {
      const first = incident
        ? { state: s, actions: [] }
        : failure('restart_loop', `${sig.unit} is restarting`);
      const counted = countRestart(
        first.state,
        'systemd_restart',
        sig.time,
        `systemd restarts ${sig.unit} (its restart counter: ${sig.n})`,
        now,
      );
      return { state: counted.state, actions: [...first.actions, ...counted.actions] };
    }
    case 'stopping':
      return {
        state: {
          ...s,
          stoppedOnPurpose: [...new Set([...s.stoppedOnPurpose, sig.unit])],
          askedRestart:
            !incident && sig.unit === s.service.unit ? { stopAt: now, startAt: null } : s.askedRestart,
        },
        actions: incident ? [systemdLine(incident, sig)] : [],
      };
    case 'started':
      return {
        state: {
          ...s,
          stoppedOnPurpose: s.stoppedOnPurpose.filter((u) => u !== sig.unit),
          askedRestart:
            s.askedRestart && sig.unit === s.service.unit
              ? { ...s.askedRestart, startAt: now }
              : s.askedRestart,
        },
        actions: incident ? [systemdLine(incident, sig), { kind: 'read_units', inMs: 0 }] : [],
      };
  }
}

function systemdLine(incident: OpenIncident, sig: JournalSignal): Action {
  return { kind: 'timeline', ref: incident.ref, time: sig.time, event: 'systemd', text: sig.text };
}

function onHealth(state: WatchState, r: HealthResult, now: number): Step {
  const h = state.service.health;
  if (!h) return { state, actions: [] };
  let s: WatchState = { ...state, lastHealth: r };
  const actions: Action[] = [];
  let incident = incidentOf(s.phase);
  if (!r.ok && !incident && inAskedRestart(s, now)) {
    // the restart asked for is still under way: its downtime is no incident yet, and health is asked often
    actions.push({
      kind: 'log',
      level: 'info',
      event: 'health_failed',
      fields: { url: h.url, problem: r.problem, during: 'restart asked for' },
    });
    return { state: s, actions: [...actions, { kind: 'probe_health', inMs: fastHealthMs(s.config) }] };
  }
  if (r.ok) {
    if (!incident) s = { ...s, lastWellAt: r.at, phase: { name: 'up' }, askedRestart: null };
    actions.push({ kind: 'metric', change: { latencyMs: r.ms } });
    const answer = `HTTP ${r.status} in ${Math.round(r.ms)} ms`;
    const phase = s.phase;
    const check = phase.name === 'verifying' || phase.name === 'gave_up' ? phase.check : null;
    if (incident && s.failuresInRow > 0 && !check)
      actions.push(timeline(incident, r.at, 'health', `health OK again: ${answer}`));
    s = { ...s, failuresInRow: 0 };
    if (incident && check) {
      actions.push(
        timeline(
          incident,
          r.at,
          'health',
          `health verified after medic's restart ${check.restart}: ${answer}`,
        ),
      );
      if (phase.name === 'gave_up') s = { ...s, phase: { ...phase, check: null } };
      else if (phase.name === 'verifying')
        s = {
          ...s,
          phase:
            phase.healthySince === null
              ? { name: 'down', incident: phase.incident }
              : { name: 'recovering', incident: phase.incident, since: phase.healthySince },
        };
    }
  } else {
    const problem = r.problem ?? 'failed';
    s = { ...s, failuresInRow: s.failuresInRow + 1, phase: notHealthy(s.phase) };
    if (incident && s.failuresInRow === 1)
      actions.push(timeline(incident, r.at, 'health', `health check failed: ${h.url}: ${problem}`));
    if (!incident && s.failuresInRow >= s.config.failures) {
      const o = opened(
        s,
        'unhealthy',
        `health failing: ${s.failuresInRow} requests in a row (${problem})`,
        r.at,
        `${h.url}: ${problem} (${s.failuresInRow} in a row)`,
        now,
      );
      s = o.state;
      actions.push(...o.actions);
    } else if (!incident) {
      s = { ...s, phase: { name: 'suspect' } };
      actions.push({
        kind: 'log',
        level: 'info',
        event: 'health_failed',
        fields: { url: h.url, problem: r.problem, in_a_row: s.failuresInRow },
      });
    }
  }
  incident = incidentOf(s.phase);
  if (incident) actions.push({ kind: 'read_units', inMs: 0 });
  actions.push({ kind: 'probe_health', inMs: incident ? fastHealthMs(s.config) : s.config.interval });
  return { state: s, actions };
}

/** Within a restart asked for: stopped and not started again for long, or started and still within its grace. */
function inAskedRestart(s: WatchState, now: number): boolean {
  const a = s.askedRestart;
  if (!a) return false;
  if (a.startAt === null) return now - a.stopAt < STOP_GRACE_MS;
  return now - a.startAt < Math.max(START_GRACE_MS, verifyMs(s.config));
}

function timeline(incident: OpenIncident, time: string, event: string, text: string): Action {
  return { kind: 'timeline', ref: incident.ref, time, event, text };
}

function onRestarted(state: WatchState, o: Extract<Observation, { kind: 'restarted' }>, now: number): Step {
  const phase = state.phase;
  if (phase.name !== 'restarting') return { state, actions: [] };
  const next: Action = { kind: 'read_units', inMs: FAST_TICK_MS };
  if (!o.ok)
    return {
      state: { ...state, phase: { name: 'down', incident: phase.incident } },
      actions: [
        timeline(
          phase.incident,
          iso(now),
          'note',
          `medic could not restart ${o.unit}: ${o.error ?? 'error'}`,
        ),
        { kind: 'log', level: 'error', event: 'restart_failed', fields: { error: o.error } },
        next,
      ],
    };
  return {
    state: {
      ...state,
      failuresInRow: 0,
      phase: {
        name: 'verifying',
        incident: phase.incident,
        check: { restart: phase.restart, until: now + verifyMs(state.config) },
        healthySince: null,
      },
    },
    actions: [...scheduleHealth(state, AFTER_RESTART_MS), next],
  };
}

type DiagnosedCause = { id: string; title: string; layer?: string | null };

/** Where a diagnosis puts the cause, when a restart of the app's own process cannot fix it. */
function elsewhereOf(cause: DiagnosedCause | null): OpenIncident['elsewhere'] {
  return cause?.layer && OUTSIDE_THE_PROCESS.has(cause.layer)
    ? { cause: cause.id, layer: cause.layer }
    : null;
}

/** The diagnosis stored on the incident with a line of its timeline, and the daemon's log line of it. */
function recordDiagnosis(
  ref: number,
  now: number,
  diagnosis: unknown,
  cause: DiagnosedCause | null,
  firstFatal: string | null,
  text: string,
  again = false,
): Action[] {
  return [
    {
      kind: 'attach_diagnosis',
      ref,
      time: iso(now),
      diagnosis,
      causeId: cause?.id ?? null,
      causeTitle: cause?.title ?? null,
      firstFatal,
      text,
    },
    {
      kind: 'log',
      level: 'info',
      event: 'incident_diagnosed',
      ref,
      fields: { cause: cause?.id ?? null, first_fatal: firstFatal, ...(again ? { again: 'yes' } : {}) },
    },
  ];
}

function onDiagnosed(state: WatchState, ref: number, diagnosis: unknown, now: number): Step {
  const incident = incidentOf(state.phase);
  const current = incident?.ref === ref && incident.diagnosis === 'running';
  const resolved = state.unalerted.includes(ref);
  const d = diagnosis as {
    cause?: DiagnosedCause | null;
    firstFatal?: { line: string } | null;
    headline?: string;
  } | null;
  const cause = d?.cause ?? null;
  const firstFatal = d?.firstFatal?.line ?? null;
  if (incident?.ref === ref && incident.rediagnosing && !current) {
    // The second diagnosis: its cause is stored and drives what follows (a give-up alert says it); the
    // opened alert went out already and is not sent again. Asked once more only: a failure no diagnosis
    // explains is not diagnosed at every crash of a loop.
    const again = {
      ...incident,
      rediagnosing: false,
      causeKnown: true,
      ...(cause ? { elsewhere: elsewhereOf(cause) } : {}),
    };
    return {
      state: { ...state, phase: withIncident(state.phase, again) },
      actions: cause
        ? recordDiagnosis(
            ref,
            now,
            diagnosis,
            cause,
            firstFatal,
            `diagnosis, again: ${cause.id}: ${cause.title}`,
            true,
          )
        : [],
    };
  }
  if (!current && !resolved) return { state, actions: [] };
  // Only a symptom, or nothing yet: the failure may still be taking shape (a new process still starting, its
  // traceback not yet in the journal). Once, the opened alert waits for a second look.
  if (current && !incident.hold && (cause === null || SYMPTOMS.has(cause.id)))
    return {
      state: { ...state, phase: withIncident(state.phase, { ...incident, hold: 'waiting' }) },
      actions: [
        { kind: 'diagnose', ref, since: state.lastWellAt, inMs: HOLD_MS },
        { kind: 'log', level: 'info', event: 'diagnosis_held', ref, fields: { cause: cause?.id ?? null } },
      ],
    };
  const actions: Action[] = [
    ...recordDiagnosis(
      ref,
      now,
      diagnosis,
      cause,
      firstFatal,
      cause ? `diagnosis: ${cause.id}: ${cause.title}` : `diagnosis: ${d?.headline ?? 'could not run'}`,
    ),
    { kind: 'metric', change: { cause: cause?.id ?? 'unknown' } },
    { kind: 'alert', ref, alert: 'opened' },
  ];
  // It may have been given up on, or resolved, while the diagnosis ran: those alerts follow this one.
  if (resolved) {
    actions.push({ kind: 'alert', ref, alert: 'resolved' });
    return { state: { ...state, unalerted: state.unalerted.filter((r) => r !== ref) }, actions };
  }
  if (state.phase.name === 'gave_up') actions.push({ kind: 'alert', ref, alert: 'gave_up' });
  return {
    state: {
      ...state,
      phase: withIncident(state.phase, {
        ...incident!,
        diagnosis: 'alerted',
        elsewhere: elsewhereOf(cause),
        causeKnown: cause !== null,
      }),
    },
    actions,
  };
}

const running = (st: UnitState) => st.active === 'active' && (st.sub === 'running' || st.sub === 'exited');

/** The tick while an incident is open: observe systemd, restart when needed, resolve when it holds. */
function onUnits(state: WatchState, states: (UnitState | null)[], now: number): Step {
  const phase = state.phase;
  const incident0 = incidentOf(phase);
  // medic's restart is under way: its result is the next thing to act on
  if (!incident0 || phase.name === 'restarting') return { state, actions: [] };
  const next: Action = { kind: 'read_units', inMs: FAST_TICK_MS };
  if (!states[0]) return { state, actions: [next] };
  const c = state.config;
  const units = unitsOf([state.service]);
  const down = units
    .map((unit, i) => ({ unit, st: states[i] }))
    .filter((x): x is { unit: string; st: UnitState } => !!x.st && !running(x.st));
  const healthy =
    down.length === 0 &&
    (!state.service.health || (state.lastHealth?.ok === true && state.failuresInRow === 0));
  const actions: Action[] = [];
  let incident = incidentOf(phase)!;
  const gaveUp = phase.name === 'gave_up';

  let check = phase.name === 'verifying' || phase.name === 'gave_up' ? phase.check : null;
  if (check && now > check.until) {
    actions.push(
      timeline(
        incident,
        iso(now),
        'health',
        `health did not come back within ${Math.round(verifyMs(c) / 1000)} s of medic's restart ${check.restart}`,
      ),
    );
    check = null;
  }

  if (healthy) {
    const since = healthySinceOf(phase) ?? now;
    if (now - since >= c.resolveAfter) return resolve(state, incident, since, now, actions);
    // a service with no health request has nothing more to verify than its units running
    if (!state.service.health && !gaveUp) check = null;
    const held: Phase = gaveUp
      ? { name: 'gave_up', incident, check, healthySince: since }
      : check
        ? { name: 'verifying', incident, check, healthySince: since }
        : { name: 'recovering', incident, since };
    return { state: { ...state, phase: held }, actions: [...actions, next] };
  }

  // Not well: the phase it stays in unless medic acts.
  let stay: Phase = gaveUp
    ? { name: 'gave_up', incident, check, healthySince: null }
    : check
      ? { name: 'verifying', incident, check, healthySince: null }
      : { name: 'down', incident };
  const hold = (extra: Action[] = []): Step => ({
    state: { ...state, phase: stay },
    actions: [...actions, ...extra, next],
  });

  // A restart loop, systemd's or medic's, that has gone on too long needs a human.
  const recent = state.restartTimes.filter((t) => t >= now - c.restart.window);
  if (!gaveUp && recent.length >= c.restart.limit) {
    const why = `${recent.length} restarts within ${Math.round(c.restart.window / 1000)} s and it is still not well`;
    stay = { name: 'gave_up', incident, check, healthySince: null };
    const extra: Action[] = [
      {
        kind: 'give_up',
        ref: incident.ref,
        time: iso(now),
        text: `medic stops restarting ${state.service.unit}: ${why}. A human is needed (systemd's own Restart= goes on as configured).`,
      },
      { kind: 'log', level: 'error', event: 'gave_up', ref: incident.ref, fields: { why } },
    ];
    // Before the diagnosis is in, the "opened" alert is not out yet; this one follows it then.
    if (incident.diagnosis === 'alerted') extra.push({ kind: 'alert', ref: incident.ref, alert: 'gave_up' });
    return hold(extra);
  }

  let target = state.service.unit;
  let reason: string | null = null;
  const failed = down.find((x) => x.st.active === 'failed');
  const stopped = down.find((x) => x.st.active === 'inactive');
  // systemd's Restart= is on it (auto-restart, activating): observe, do not fight it.
  const transitional = down.find((x) => x.st.active !== 'failed' && x.st.active !== 'inactive');
  if (failed) {
    target = failed.unit;
    reason = `${failed.unit} is failed (result: ${failed.st.result})`;
  } else if (transitional) return hold();
  else if (stopped) {
    if (state.stoppedOnPurpose.includes(stopped.unit)) {
      const note = `${stopped.unit} was stopped on purpose (systemctl stop): medic does not start it`;
      if (stay.name === 'down') stay = { name: 'stopped', incident, unit: stopped.unit };
      if (incident.notes.includes(note)) return hold();
      incident = { ...incident, notes: [...incident.notes, note] };
      stay = withIncident(stay, incident);
      return hold([timeline(incident, iso(now), 'note', note)]);
    }
    target = stopped.unit;
    reason = `${stopped.unit} is stopped`;
  } else if (
    state.service.health &&
    state.failuresInRow >= c.failures &&
    now - state.lastCrashAt > Math.max(QUIET_MS, c.failures * c.interval)
  )
    reason = `health still failing (${state.lastHealth?.problem ?? 'failed'})`;
  if (!reason) return hold();
  if (check) return hold(); // give the last restart its chance first
  if (gaveUp) return hold();
  // A process that lives but fails its health is restarted only once medic knows why: restarting it for a
  // database that is down is an outage of its own, and no fix.
  const alive = !failed || failed.st.result === 'unhealthy';
  if (alive && !stopped && incident.diagnosis === 'running') return hold();
  if (incident.elsewhere && target === state.service.unit) {
    const { cause, layer } = incident.elsewhere;
    const note = `${reason}: the diagnosis puts the cause in the ${layer} layer (${cause}): restarting ${target} cannot fix it, medic does not restart it`;
    if (incident.notes.includes(note)) return hold();
    incident = { ...incident, notes: [...incident.notes, note] };
    stay = withIncident(stay, incident);
    return hold([timeline(incident, iso(now), 'note', note)]);
  }
  if (!c.restart.enabled) {
    if (incident.restartsOffNoted) return hold();
    stay = withIncident(stay, { ...incident, restartsOffNoted: true });
    return hold([
      timeline(
        incident,
        iso(now),
        'note',
        `${reason}; restarts are off in medic.yaml (watch.restart.enabled)`,
      ),
    ]);
  }
  if (now < incident.nextRestartAt) return hold();

  const k = incident.medicRestarts + 1;
  const counted = countRestart(
    { ...state, phase: stay },
    'medic_restart',
    iso(now),
    `medic restarts ${target}: ${reason} (medic's restart ${k}; the next no sooner than ${Math.round(backoffMs(c, k) / 1000)} s later)`,
    now,
  );
  const countedIncident = incidentOf(counted.state.phase)!;
  return {
    state: {
      ...counted.state,
      phase: {
        name: 'restarting',
        incident: { ...countedIncident, nextRestartAt: now + backoffMs(c, k) },
        unit: target,
        restart: k,
      },
    },
    actions: [
      ...actions,
      ...counted.actions,
      { kind: 'log', level: 'warn', event: 'restarting', fields: { unit: target, reason, restart: k } },
      { kind: 'restart', unit: target },
    ],
  };
}

function resolve(
  state: WatchState,
  incident: OpenIncident,
  since: number,
  now: number,
  before: Action[],
): Step {
  const recoveredAt = iso(since);
  const resolvedAt = iso(now);
  const recoverMs = since - Date.parse(incident.startedAt);
  const actions: Action[] = [
    ...before,
    {
      kind: 'resolve',
      ref: incident.ref,
      recoveredAt,
      resolvedAt,
      text: `resolved: up and healthy for ${Math.round(state.config.resolveAfter / 1000)} s`,
    },
    { kind: 'metric', change: { up: true, recoverMs } },
    {
      kind: 'log',
      level: 'info',
      event: 'incident_resolved',
      ref: incident.ref,
      fields: {
        detect_ms: Date.parse(incident.detectedAt) - Date.parse(incident.startedAt),
        recover_ms: recoverMs,
        restarts: incident.restarts,
      },
    },
  ];
  // The "opened" alert goes first: before the diagnosis is in, this one waits for it.
  const alerted = incident.diagnosis === 'alerted';
  if (alerted) actions.push({ kind: 'alert', ref: incident.ref, alert: 'resolved' });
  actions.push(...scheduleHealth(state, state.config.interval));
  return {
    state: {
      ...state,
      phase: { name: 'up' },
      failuresInRow: 0,
      lastWellAt: resolvedAt,
      unalerted: alerted ? state.unalerted : [...state.unalerted, incident.ref],
    },
    actions,
  };
}
