import type { DiskUsage } from '../host/disk.ts';
import type { ProbeResult } from '../host/probe.ts';
import { defineCheck, fail, pass, warn } from './types.ts';

/** Used space (or inodes) from which writes start failing soon: fail. */
export const DISK_FULL_PERCENT = 95;
/** Used space (or inodes) from which the headroom is a matter of days: warn. */
export const DISK_TIGHT_PERCENT = 90;

export interface DiskFacts {
  /** Each path the app, its logs and its database write to, and its file system's usage. */
  disks: { path: string; usage: ProbeResult<DiskUsage> }[];
}

export const check = defineCheck<DiskFacts>({
  meta: {
    id: 'host.disk_free',
    layer: 'host',
    title: 'the file systems the app, its logs and its database use have free space',
    docs: "Checks /, the app's directory, /var/log, PostgreSQL's data directory and the app's writable directories: fails at 95 % used (uploads and logins start failing with \"No space left on device\", PostgreSQL stops), warns at 90 %.",
  },
  async gather(ctx) {
    const { service } = ctx;
    const paths = [
      ...new Set([
        '/',
        service.workdir ?? '/',
        '/var/log',
        '/var/lib/postgresql',
        ...(service.project?.writable ?? []),
      ]),
    ];
    const disks = await Promise.all(paths.map(async (path) => ({ path, usage: await ctx.disk(path) })));
    return { disks };
  },
  judge({ disks }) {
    // one line per file system: the paths on it share its size and free space
    const seen = new Map<string, { p: string; used: number; free: number; inodes: number }>();
    for (const { path, usage: u } of disks) {
      if (!u.ok) continue;
      const key = `${u.value.sizeBytes}:${u.value.freeBytes}`;
      if (!seen.has(key))
        seen.set(key, {
          p: path,
          used: Math.max(u.value.usedPercent, u.value.inodesUsedPercent),
          free: u.value.freeBytes,
          inodes: u.value.inodesUsedPercent,
        });
    }
    const list = [...seen.values()];
    const gb = (b: number) => `${(b / 1024 ** 3).toFixed(1)} GB free`;
    const evidence = list.map(
      (d) =>
        `${d.p}: ${d.used}% used, ${gb(d.free)}${d.inodes >= DISK_TIGHT_PERCENT ? `, ${d.inodes}% of inodes used` : ''}`,
    );
    const full = list.filter((d) => d.used >= DISK_FULL_PERCENT);
    const fix = ['du -xh --max-depth=2 / 2>/dev/null | sort -h | tail -15', 'journalctl --vacuum-size=200M'];
    if (full.length > 0) return fail(full.map((d) => `${d.p} ${d.used}% full`).join(', '), evidence, fix);
    const tight = list.filter((d) => d.used >= DISK_TIGHT_PERCENT);
    if (tight.length > 0) return warn(tight.map((d) => `${d.p} ${d.used}% used`).join(', '), evidence, fix);
    return pass(`at most ${Math.max(0, ...list.map((d) => d.used))}% used`, evidence);
  },
});
