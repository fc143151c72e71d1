// A container as watch sees a unit: the Docker engine's events (die, oom, kill, start) read as the journal
// signals the state machine knows, and `docker inspect` read as systemd's unit state. The engine's restart
// policy plays systemd's Restart=: a start that follows a crash is the policy's restart, counted as such.
import type { UnitState } from '../host/systemctl.ts';
import type { ContainerInspect } from '../host/docker.ts';
import type { JournalSignal } from './journal.ts';

/** One line of the engine's events stream (`docker events --format '{{json .}}'`), the fields medic reads. */
export interface EngineEvent {
  Type?: string;
  Action: string;
  time: number;
  timeNano?: number;
  Actor: { ID: string; Attributes: Record<string, string> };
}

/** A stop asked for (a kill before the die) is not a crash when the die follows within this. */
const STOP_MS = 30_000;

function timeOf(e: EngineEvent): string {
  return new Date(e.timeNano ? Math.floor(e.timeNano / 1e6) : e.time * 1000).toISOString();
}

/**
 * Turns one container's events into journal signals. It remembers, per container name, a stop asked for
 * (by a person, by compose, or by medic's own restart) and the last crash, so that the die of a stop is
 * no crash and the start after a crash is the restart policy at work.
 */
export class EngineSignals {
  private readonly stopping = new Map<string, number>();
  private readonly crashed = new Map<string, number>();
  private readonly restarts = new Map<string, number>();
  private readonly medicRestart = new Map<string, number>();

  /** Whether the last thing the engine said of it was a stop asked for (kill, then die, and no start since). */
  isStopped(name: string): boolean {
    return this.stopping.has(name);
  }

  /** medic is about to restart this container: the kill, die and start that follow are its own. */
  expectRestart(name: string, now: number): void {
    this.medicRestart.set(name, now);
  }

  signalsOf(e: EngineEvent): JournalSignal[] {
    if ((e.Type ?? 'container') !== 'container') return [];
    const unit = e.Actor.Attributes['name'] ?? e.Actor.ID.slice(0, 12);
    const time = timeOf(e);
    const at = Date.parse(time);
    const ours = at - (this.medicRestart.get(unit) ?? -Infinity) < STOP_MS;
    const action = e.Action.split(':')[0];
    switch (action) {
      case 'kill':
        this.stopping.set(unit, at);
        if (ours) return [];
        return [
          {
            kind: 'stopping',
            unit,
            time,
            text: `${unit} is being stopped (signal ${e.Actor.Attributes['signal'] ?? '?'} from the engine)`,
          },
        ];
      case 'die': {
        const code = e.Actor.Attributes['exitCode'] ?? '?';
        if (at - (this.stopping.get(unit) ?? -Infinity) < STOP_MS || code === '0') return [];
        this.crashed.set(unit, at);
        const signal = Number(code) > 128 ? String(Number(code) - 128) : null;
        return [
          signal
            ? {
                kind: 'exit',
                unit,
                time,
                code: 'killed',
                status: signal,
                text: `${unit} died: exit code ${code}`,
              }
            : {
                kind: 'exit',
                unit,
                time,
                code: 'exited',
                status: code,
                text: `${unit} died: exit code ${code}`,
              },
        ];
      }
      case 'health_status': {
        // Docker runs the HEALTHCHECK but restarts nothing for it: an unhealthy container is medic's to heal.
        if (e.Action.split(':')[1]?.trim() !== 'unhealthy') return [];
        return [
          {
            kind: 'failed',
            unit,
            time,
            result: 'unhealthy',
            text: `${unit}: its HEALTHCHECK reports unhealthy`,
          },
        ];
      }
      case 'oom':
        return [
          {
            kind: 'oom',
            unit,
            time,
            text: `${unit}: the kernel killed a process of the container for memory (oom)`,
          },
        ];
      case 'start': {
        const afterCrash = at - (this.crashed.get(unit) ?? -Infinity) < 24 * 3_600_000;
        const stopped = at - (this.stopping.get(unit) ?? -Infinity) < STOP_MS;
        this.stopping.delete(unit);
        this.crashed.delete(unit);
        const started: JournalSignal = { kind: 'started', unit, time, text: `${unit} started` };
        if (!afterCrash || stopped || ours) return [started];
        const n = (this.restarts.get(unit) ?? 0) + 1;
        this.restarts.set(unit, n);
        return [
          {
            kind: 'restart_scheduled',
            unit,
            time,
            n,
            text: `the engine restarts ${unit} (its restart policy; restart ${n} seen by medic)`,
          },
          started,
        ];
      }
      default:
        return [];
    }
  }
}

/**
 * `docker inspect` as systemd's ActiveState, SubState and Result, for the machine's look at its units. A
 * container stopped on purpose (the engine reported a kill before its die) is inactive, as a stopped unit is.
 */
export function containerUnitState(c: ContainerInspect | null, stoppedOnPurpose = false): UnitState | null {
  if (!c) return null;
  const s = c.State;
  // Running but failing its HEALTHCHECK: failed, as a unit whose health never comes back; medic may restart it.
  if (s.Running && !s.Restarting && s.Health?.Status === 'unhealthy')
    return { active: 'failed', sub: 'unhealthy', result: 'unhealthy' };
  // Its HEALTHCHECK has not passed yet since it started: still starting, as a unit that has not reported ready.
  if (s.Running && !s.Restarting && s.Health?.Status === 'starting')
    return { active: 'activating', sub: 'start', result: 'success' };
  if (s.Running && !s.Restarting) return { active: 'active', sub: 'running', result: 'success' };
  // The engine could not start it (a host port already allocated, a mount refused): failed, whoever asked.
  if (s.Error && !s.Restarting) return { active: 'failed', sub: 'failed', result: 'resources' };
  if (stoppedOnPurpose && !s.Restarting) return { active: 'inactive', sub: 'dead', result: 'success' };
  const result = s.OOMKilled ? 'oom-kill' : s.ExitCode > 128 ? 'signal' : 'exit-code';
  // The engine waits between restarts of its policy (Restarting): systemd's auto-restart.
  if (s.Restarting) return { active: 'activating', sub: 'auto-restart', result };
  if (s.Status === 'created' || (s.ExitCode === 0 && !s.Error))
    return { active: 'inactive', sub: 'dead', result: 'success' };
  return { active: 'failed', sub: 'failed', result: s.Error ? 'resources' : result };
}
