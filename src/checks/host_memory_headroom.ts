import { memory } from '../host/disk.ts';
import { showBytes } from '../systemd/show.ts';
import { fail, pass, warn, type Check } from './types.ts';

const mb = (b: number) => `${Math.round(b / 1024 ** 2)} MB`;

export const check: Check = {
  meta: {
    id: 'host.memory_headroom',
    layer: 'host',
    title: 'the app has memory to spare, below its MemoryMax= and on the server',
    docs: "Adds up the resident memory of the unit's processes (the master and its workers) and compares it with the unit's MemoryMax= and with the memory the server has available. Near either limit, the next request that allocates is an OOM kill.",
  },
  async run(ctx) {
    const { host, service, timeoutMs } = ctx;
    const mem = await memory(host.procRoot, timeoutMs);
    const pid = ctx.mainPid();
    const tree = await ctx.unitProcesses();
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
      if (share >= 0.9)
        return fail(
          `${service.unit} uses ${mb(rss)} of its MemoryMax=${mb(max)} (${Math.round(share * 100)}%)`,
          evidence,
          fix,
        );
      if (share >= 0.75)
        return warn(
          `${service.unit} uses ${Math.round(share * 100)}% of its MemoryMax=${mb(max)}`,
          evidence,
          fix,
        );
    }
    if (mem.ok) {
      const free = 100 - mem.value.usedPercent;
      if (free < 5)
        return fail(`only ${free}% of the server's memory is available`, evidence, [
          'ps aux --sort=-rss | head',
        ]);
      if (free < 10)
        return warn(`only ${free}% of the server's memory is available`, evidence, [
          'ps aux --sort=-rss | head',
        ]);
    }
    return pass(evidence.join('; ') || 'memory available');
  },
};
