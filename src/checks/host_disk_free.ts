import { diskUsage } from '../host/disk.ts';
import { fail, pass, warn, type Check } from './types.ts';

export const check: Check = {
  meta: {
    id: 'host.disk_free',
    layer: 'host',
    title: 'the file systems the app, its logs and its database use have free space',
    docs: "Checks /, the app's directory, /var/log, PostgreSQL's data directory and the app's writable directories: fails at 95 % used (uploads and logins start failing with \"No space left on device\", PostgreSQL stops), warns at 90 %.",
  },
  async run({ host, service, timeoutMs }) {
    const paths = [
      ...new Set([
        '/',
        service.workdir ?? '/',
        '/var/log',
        '/var/lib/postgresql',
        ...(service.project?.writable ?? []),
      ]),
    ];
    const usage = await Promise.all(
      paths.map(async (p) => ({ p, u: await diskUsage(host.path(p), timeoutMs) })),
    );
    const seen = new Map<string, { p: string; used: number; free: number; inodes: number }>();
    for (const { p, u } of usage) {
      if (!u.ok) continue;
      const key = `${u.value.sizeBytes}:${u.value.freeBytes}`;
      if (!seen.has(key))
        seen.set(key, {
          p,
          used: Math.max(u.value.usedPercent, u.value.inodesUsedPercent),
          free: u.value.freeBytes,
          inodes: u.value.inodesUsedPercent,
        });
    }
    const list = [...seen.values()];
    const gb = (b: number) => `${(b / 1024 ** 3).toFixed(1)} GB free`;
    const evidence = list.map(
      (d) => `${d.p}: ${d.used}% used, ${gb(d.free)}${d.inodes >= 90 ? `, ${d.inodes}% of inodes used` : ''}`,
    );
    const full = list.filter((d) => d.used >= 95);
    const fix = ['du -xh --max-depth=2 / 2>/dev/null | sort -h | tail -15', 'journalctl --vacuum-size=200M'];
    if (full.length > 0) return fail(full.map((d) => `${d.p} ${d.used}% full`).join(', '), evidence, fix);
    const tight = list.filter((d) => d.used >= 90);
    if (tight.length > 0) return warn(tight.map((d) => `${d.p} ${d.used}% used`).join(', '), evidence, fix);
    return pass(`at most ${Math.max(0, ...list.map((d) => d.used))}% used`, evidence);
  },
};
