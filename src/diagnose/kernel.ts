// The kernel's log beside an app's own: the OOM killer's lines about its process, read by the diagnosis of a
// unit and of a container alike.
import { isKernelOomOf, OOM_PAIRING_MS } from '../causes/oom_killed.ts';
import type { Host } from '../host/host.ts';
import type { RunResult } from '../host/run.ts';
import { parseLine } from '../logs/envelope.ts';
import type { EvidenceCollector } from './collect.ts';

/** This boot's last 400 kernel lines, as JSON. */
export function readKernelLog(host: Host, timeoutMs: number): Promise<RunResult> {
  return host.run('journalctl', ['-k', '-b', '-o', 'json', '--no-pager', '-n', '400'], { timeoutMs });
}

/**
 * Pushes the kernel's OOM kills of OWNER's process (its unit or container id in the cgroup, or its program
 * COMM) that happened when the collector saw it die by SIGKILL.
 */
export function pushKernelOoms(
  collector: EvidenceCollector,
  kernel: RunResult,
  owner: { id: string; comm: string; year: number },
): void {
  const killedAt = collector.evidence().killedAt.map((t) => Date.parse(t));
  if (!kernel.ok || killedAt.length === 0) return;
  let n = 0;
  for (const raw of kernel.value.stdout.split('\n')) {
    const e = parseLine(raw, ++n, { year: owner.year });
    if (!e?.time || !isKernelOomOf(e.text, owner.id, owner.comm)) continue;
    const t = Date.parse(e.time);
    if (killedAt.some((k) => Math.abs(k - t) <= OOM_PAIRING_MS)) collector.push(e, 'kernel');
  }
}
