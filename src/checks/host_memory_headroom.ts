import type { Service } from '../discover/service.ts';
import type { Memory } from '../host/disk.ts';
import type { ProbeResult } from '../host/probe.ts';
import type { ProcessInfo } from '../host/processes.ts';
import { showBytes } from '../systemd/show.ts';
import { defineCheck, fail, pass, warn } from './types.ts';

const mb = (b: number) => `${Math.round(b / 1024 ** 2)} MB`;

/** Shares of MemoryMax= the unit's processes may hold before the next allocation risks an OOM kill. */
export const MEMORY_MAX_FAIL_SHARE = 0.9;
export const MEMORY_MAX_WARN_SHARE = 0.75;
/** Percentages of the server's memory still available below which it fails, and warns. */
export const SERVER_FAIL_FREE_PERCENT = 5;
export const SERVER_WARN_FREE_PERCENT = 10;

export interface MemoryFacts {
  service: Pick<Service, 'unit' | 'show'>;
  mainPid: number;
  /** The unit's main process and its descendants, from /proc. */
  processes: ProcessInfo[];
  /** /proc/meminfo. */
  memory: ProbeResult<Memory>;
}

export const check = defineCheck<MemoryFacts>({
  meta: {
    id: 'host.memory_headroom',
    layer: 'host',
    title: 'the app has memory to spare, below its MemoryMax= and on the server',
    docs: "Adds up the resident memory of the unit's processes (the master and its workers) and compares it with the unit's MemoryMax= and with the memory the server has available. Near either limit, the next request that allocates is an OOM kill.",
    risk: true,
  },
  async gather(ctx) {
    const [mem, processes] = await Promise.all([ctx.memory(), ctx.unitProcesses()]);
    return { service: ctx.service, mainPid: ctx.mainPid(), processes, memory: mem };
  },
  judge({ service, mainPid: pid, processes: tree, memory: mem }) {
    const rss = tree.reduce((a, p) => a + p.rssBytes, 0);
    const max = showBytes(service.show, 'MemoryMax');
    const evidence: string[] = [];
    if (tree.length > 0) evidence.push(`${service.unit}: ${tree.length} processes, ${mb(rss)} resident`);
    if (max !== null) evidence.push(`MemoryMax=${mb(max)}`);
    if (mem.ok)
      evidence.push(`server: ${mb(mem.value.availableBytes)} available (${100 - mem.value.usedPercent}%)`);
    const fix = [
      `systemctl edit ${service.unit}    # raise MemoryMax=, or lower the worker count`,
      `ps -o pid,rss,cmd --ppid ${pid || 'MAINPID'}`,
    ];
    if (max !== null && rss > 0) {
      const share = rss / max;
      if (share >= MEMORY_MAX_FAIL_SHARE)
        return fail(
          `${service.unit} uses ${mb(rss)} of its MemoryMax=${mb(max)} (${Math.round(share * 100)}%)`,
          evidence,
          fix,
        );
      if (share >= MEMORY_MAX_WARN_SHARE)
        return warn(
          `${service.unit} uses ${Math.round(share * 100)}% of its MemoryMax=${mb(max)}`,
          evidence,
          fix,
        );
    }
    if (mem.ok) {
      const free = 100 - mem.value.usedPercent;
      if (free < SERVER_FAIL_FREE_PERCENT)
        return fail(`only ${free}% of the server's memory is available`, evidence, [
          'ps aux --sort=-rss | head',
        ]);
      if (free < SERVER_WARN_FREE_PERCENT)
        return warn(`only ${free}% of the server's memory is available`, evidence, [
          'ps aux --sort=-rss | head',
        ]);
    }
    return pass(evidence.join('; ') || 'memory available');
  },
});
