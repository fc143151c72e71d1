// A service's state on the dashboard, up / degraded / down, with why and since when: a pure function of what
// systemd says of its units, the incident that is not resolved, its last health answer and, in the daemon,
// the watch machine's phase.
import type { UnitFacts } from '../host/systemctl.ts';
import type { HealthSample, Incident } from '../store/store.ts';

export type ServiceState = 'up' | 'degraded' | 'down' | 'unknown';

export interface StateInput {
  /** The main unit; null when systemd could not say (not this host's unit, no systemd). */
  unit: UnitFacts | null;
  workers: { unit: string; facts: UnitFacts | null }[];
  unitName: string;
  /** The incident not resolved yet (open, or given up on). */
  incident: Incident | null;
  /** The last incident resolved, for "up since". */
  lastResolved: Incident | null;
  /** The freshest health answer: the daemon's own, else the store's last sample. */
  health: HealthSample | null;
  /** When the run of answers like the last one (passing, or failing) began. */
  healthSince: string | null;
  /** medic watch's phase for it, when the dashboard runs inside the daemon. */
  phase: string | null;
  now: number;
}

export interface StateView {
  state: ServiceState;
  /** Why, in a few words. */
  reason: string;
  since: string | null;
}

/** A health answer older than this says nothing about now. */
const FRESH_MS = 10 * 60_000;

const running = (u: UnitFacts) => u.active === 'active' || u.active === 'reloading';

export function stateOf(i: StateInput): StateView {
  const health = i.health && i.now - Date.parse(i.health.at) <= FRESH_MS ? i.health : null;
  const incident = i.incident;
  const cause = incident?.causeId ? `: ${incident.causeId}` : '';
  const incidentLine = incident
    ? `incident #${incident.id} ${incident.state === 'gave_up' ? 'given up on (a human is needed)' : 'open'}${cause}`
    : '';
  const later = (a: string | null | undefined, b: string | null | undefined) =>
    a && b ? (a > b ? a : b) : (a ?? b ?? null);

  if (i.unit && !running(i.unit))
    return {
      state: 'down',
      reason: [`${i.unitName} ${i.unit.active} (${i.unit.sub})`, incidentLine].filter(Boolean).join('; '),
      since: incident?.startedAt ?? i.unit.since,
    };
  if (i.phase === 'suspect' && !incident && health && !health.ok)
    return {
      state: 'degraded',
      reason: `health failed (${health.problem ?? 'failed'}); not an incident yet`,
      since: i.healthSince ?? health.at,
    };
  if (health && !health.ok)
    return {
      state: 'down',
      reason: [`health failing: ${health.problem ?? 'failed'}`, incidentLine].filter(Boolean).join('; '),
      since: incident?.startedAt ?? i.healthSince ?? health.at,
    };
  if (incident) {
    // Running and answering while the incident is open: it is recovering (or stays given up on).
    const seenWell = (i.unit !== null || health !== null) && !isDownPhase(i.phase);
    return {
      state: seenWell ? 'degraded' : 'down',
      reason: seenWell ? `${incidentLine}; ${recoveringLine(i.unit, health)}` : incidentLine,
      since: incident.startedAt,
    };
  }
  const failedWorker = i.workers.find((w) => w.facts && !running(w.facts));
  if (failedWorker?.facts)
    return {
      state: 'degraded',
      reason: `worker ${failedWorker.unit} ${failedWorker.facts.active} (${failedWorker.facts.sub})`,
      since: failedWorker.facts.since,
    };
  if (!i.unit && !health)
    return { state: 'unknown', reason: 'no unit state and no health answer yet', since: null };
  const reason = health
    ? `health OK (${health.status ? `HTTP ${health.status} ` : ''}in ${Math.round(health.ms)} ms)`
    : `${i.unitName} ${i.unit?.active} (${i.unit?.sub})`;
  return {
    state: 'up',
    reason,
    since: later(i.lastResolved?.resolvedAt, i.unit?.activeSince) ?? (health ? i.healthSince : null),
  };
}

function isDownPhase(phase: string | null): boolean {
  return phase === 'down' || phase === 'stopped' || phase === 'restarting';
}

function recoveringLine(unit: UnitFacts | null, health: HealthSample | null): string {
  if (health) return `health OK again (${Math.round(health.ms)} ms)`;
  return `${unit?.active} (${unit?.sub}) again`;
}
