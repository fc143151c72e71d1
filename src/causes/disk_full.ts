import { type Cause, fromSignal } from './types.ts';

export const diskFull: Cause = {
  meta: {
    id: 'disk_full',
    title: 'A file system the app writes to is full',
    layer: 'host',
    docs:
      'Writes fail with ENOSPC: logs, uploads, the database or /tmp filled the disk (or its inodes). ' +
      'PostgreSQL stops accepting writes, uploads fail with 500s, and logs go silent.',
    degrades: true,
    worthMatching: /No space left on device|could not extend file|DiskFull/,
  },
  matchError(error) {
    for (const e of error.chain) {
      const m =
        /\[Errno 28\] No space left on device(?:: '([^']+)')?/.exec(e.message) ??
        /could not extend file "([^"]+)"/.exec(e.message) ??
        /DiskFull|No space left on device/.exec(`${e.type} ${e.message}`);
      if (m) return { path: m[1] ?? '' };
    }
    return null;
  },
  matchLine(event) {
    const m = /No space left on device|could not extend file|DiskFull/.exec(event.text);
    if (!m) return null;
    return { path: /"([^"]+)"|'([^']+)'/.exec(event.text)?.slice(1).find(Boolean) ?? '' };
  },
  decide(evidence) {
    const f = fromSignal('disk_full', evidence);
    if (f) return f;
    const full = evidence.probes?.disk?.find((d) => d.usedPercent >= 98);
    return full
      ? {
          confidence: 'high',
          signal: null,
          evidence: [
            `${full.path} is ${full.usedPercent}% full (${Math.round(full.freeBytes / 1024)} KiB free)`,
          ],
          captures: { path: full.path },
        }
      : null;
  },
  fix(c) {
    const path = c.path || '/';
    return [
      `df -h ${path}; df -i ${path}`,
      `du -xh --max-depth=2 ${path.replace(/\/[^/]*\.\w+$/, '')} 2>/dev/null | sort -h | tail -15`,
      `journalctl --vacuum-size=200M   # then remove or move what filled it`,
    ];
  },
};
