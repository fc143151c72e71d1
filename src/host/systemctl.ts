// systemctl as medic watch uses it: the units' states in one call, and a restart as root, through polkit,
// or through the sudoers line medic watch --print-sudoers writes.
import { existsSync } from 'node:fs';
import { parseShowUnits, showNumber, showTimestamp, showValue } from '../systemd/show.ts';
import { run, type RunResult } from './run.ts';

/** One unit's state as `systemctl show` reports it. */
export interface UnitState {
  active: string;
  sub: string;
  result: string;
}

export function systemctlPath(): string {
  return ['/usr/bin/systemctl', '/bin/systemctl'].find((p) => existsSync(p)) ?? 'systemctl';
}

/** The units' states, in their order, from one `systemctl show`; null for one it cannot read. */
export async function unitStates(systemctl: string, units: readonly string[]): Promise<(UnitState | null)[]> {
  const r = await run(systemctl, ['show', '-p', 'ActiveState,SubState,Result', ...units], {
    timeoutMs: 5000,
  });
  if (!r.ok) return units.map(() => null);
  const shown = parseShowUnits(r.value.stdout);
  return units.map((_, i) => {
    const p = shown[i];
    if (!p) return null;
    return {
      active: showValue(p, 'ActiveState') ?? '',
      sub: showValue(p, 'SubState') ?? '',
      result: showValue(p, 'Result') ?? '',
    };
  });
}

/** A unit as the dashboard shows it: its state, since when, systemd's restart count, where it runs. */
export interface UnitFacts extends UnitState {
  /** When it entered the state it is in. */
  since: string | null;
  /** When it last became active. */
  activeSince: string | null;
  /** Restarts by systemd's Restart= since the unit was last started by hand. */
  restarts: number | null;
  workdir: string | null;
}

/** The units' facts, in their order, from one `systemctl show`; null for one systemd does not know or tell. */
export async function unitFacts(systemctl: string, units: readonly string[]): Promise<(UnitFacts | null)[]> {
  if (units.length === 0) return [];
  const r = await run(
    systemctl,
    [
      'show',
      '-p',
      'LoadState,ActiveState,SubState,Result,StateChangeTimestamp,ActiveEnterTimestamp,NRestarts,WorkingDirectory',
      ...units,
    ],
    { timeoutMs: 5000 },
  );
  if (!r.ok || r.value.code !== 0) return units.map(() => null);
  const shown = parseShowUnits(r.value.stdout);
  return units.map((_, i) => {
    const p = shown[i];
    if (!p || showValue(p, 'LoadState') !== 'loaded') return null;
    return {
      active: showValue(p, 'ActiveState') ?? '',
      sub: showValue(p, 'SubState') ?? '',
      result: showValue(p, 'Result') ?? '',
      since: showTimestamp(p, 'StateChangeTimestamp'),
      activeSince: showTimestamp(p, 'ActiveEnterTimestamp'),
      restarts: showNumber(p, 'NRestarts'),
      workdir: showValue(p, 'WorkingDirectory') || null,
    };
  });
}

/**
 * Runs systemctl with the rights to change units: as root directly; as medic's own user through polkit,
 * else, once polkit has said no, through sudo from then on.
 */
export function unitControl(systemctl: string): (args: string[]) => Promise<RunResult> {
  const asRoot = process.getuid?.() === 0;
  let viaSudo = false;
  return async (args) => {
    if (asRoot) return run(systemctl, args, { timeoutMs: 120_000 });
    if (!viaSudo) {
      const r = await run(systemctl, ['--no-ask-password', ...args], { timeoutMs: 120_000 });
      if (r.ok || !/access denied|authentication required|not permitted|authorization/i.test(r.error.message))
        return r;
      viaSudo = true;
    }
    return run('sudo', ['-n', systemctl, ...args], { timeoutMs: 120_000 });
  };
}
