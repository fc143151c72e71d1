// medic must never make the server it checks look broken. Two rules keep it from doing so on a 1- or 2-core
// server: the heavy work (the app's Python, started by several checks of several apps) runs a few at a time,
// and a probe that timed out is asked once more when medic is idle (given longer on a server loaded past its
// cores), before a timeout counts as "down".
import { availableParallelism, loadavg } from 'node:os';

/** Python processes at once: one per core leaves the server's own work a share of the CPU. */
const HEAVY_AT_ONCE = Math.max(1, availableParallelism());

let active = 0;
const queue: (() => void)[] = [];
const idlers: (() => void)[] = [];

/** Runs CPU-heavy work (a Python interpreter) when a slot is free. */
export async function heavy<T>(work: () => Promise<T>): Promise<T> {
  if (active >= HEAVY_AT_ONCE) await new Promise<void>((resolve) => queue.push(resolve));
  active += 1;
  try {
    return await work();
  } finally {
    active -= 1;
    queue.shift()?.();
    if (active === 0 && queue.length === 0) for (const f of idlers.splice(0)) f();
  }
}

/** Resolves when no heavy work runs or waits. */
function idle(): Promise<void> {
  return active === 0 && queue.length === 0 ? Promise.resolve() : new Promise((r) => idlers.push(r));
}

/** The server is busier than its cores: a probe's silence may be the CPU's doing, not the service's. */
function hostBusy(): boolean {
  return (loadavg()[0] ?? 0) > availableParallelism();
}

type Timed = { ok: boolean; error?: { kind: string } };

/**
 * A network probe that tells "slow because busy" from "down": a timeout is asked again once medic's heavy work
 * is done, with three times the time when the server is loaded past its cores; only a second timeout counts.
 * (A service that is down refuses at once; a timeout is a firewall, a wrong host, or a CPU that was elsewhere.)
 */
export async function patient<R extends Timed>(
  probe: (timeoutMs: number) => Promise<R>,
  timeoutMs: number,
): Promise<R> {
  const first = await probe(timeoutMs);
  if (first.ok || first.error?.kind !== 'timeout') return first;
  await idle();
  return probe(hostBusy() ? timeoutMs * 3 : timeoutMs);
}
