import { readFile, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { codeOf, messageOf, probe, type ProbeError, type ProbeResult } from './probe.ts';

const DEFAULT_TIMEOUT_MS = 5000;

export type DiskUsage = {
  path: string;
  sizeBytes: number;
  /** Bytes an unprivileged process can still write (what the app gets, as `df` shows it). */
  freeBytes: number;
  /** Used share of the space an unprivileged process can use, as `df` computes it. */
  usedPercent: number;
  inodesFree: number;
  /** 0 on filesystems without a fixed inode table (btrfs reports none). */
  inodesUsedPercent: number;
};

export type Memory = {
  totalBytes: number;
  /** MemAvailable: what can be allocated without swapping. */
  availableBytes: number;
  usedPercent: number;
  swapTotalBytes: number;
  swapFreeBytes: number;
};

export type FsFailure = 'not_found' | 'permission' | 'invalid' | 'timeout' | 'other';

/** Space and inodes of the filesystem holding `path` (a stalled NFS mount is cut at the deadline). */
export function diskUsage(
  path: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<ProbeResult<DiskUsage, FsFailure>> {
  return probe(
    timeoutMs,
    async () => {
      const s = await statfs(path);
      // Block counts are in fragment-size units (f_frsize); Node before 24 reports only bsize.
      const unit = s.frsize || s.bsize;
      const used = s.blocks - s.bfree;
      const usable = used + s.bavail;
      return {
        path,
        sizeBytes: s.blocks * unit,
        freeBytes: s.bavail * unit,
        usedPercent: usable > 0 ? percent(used, usable) : 0,
        inodesFree: s.ffree,
        inodesUsedPercent: s.files > 0 ? percent(s.files - s.ffree, s.files) : 0,
      };
    },
    (err) => classifyFsError(err, path),
    path,
  );
}

/** Memory and swap from /proc/meminfo. */
export function memory(
  procRoot = '/proc',
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<ProbeResult<Memory, FsFailure>> {
  const path = join(procRoot, 'meminfo');
  return probe(
    timeoutMs,
    async () => {
      const parsed = parseMeminfo(await readFile(path, 'utf8'));
      if (!parsed) throw new MeminfoUnreadable(`${path} has no MemTotal line`);
      return parsed;
    },
    (err) => classifyFsError(err, path),
    path,
  );
}

/** The figures of /proc/meminfo medic uses; undefined when the text has no MemTotal. */
export function parseMeminfo(text: string): Memory | undefined {
  const kb = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([\w()]+):\s+(\d+)(?:\s+kB)?\s*$/.exec(line);
    if (match?.[1] && match[2]) kb.set(match[1], Number(match[2]));
  }
  const total = kb.get('MemTotal');
  if (total === undefined) return undefined;
  // Kernels before 3.14 have no MemAvailable: free plus the page cache is the usual estimate.
  const available =
    kb.get('MemAvailable') ?? (kb.get('MemFree') ?? 0) + (kb.get('Buffers') ?? 0) + (kb.get('Cached') ?? 0);
  return {
    totalBytes: total * 1024,
    availableBytes: available * 1024,
    usedPercent: total > 0 ? percent(total - available, total) : 0,
    swapTotalBytes: (kb.get('SwapTotal') ?? 0) * 1024,
    swapFreeBytes: (kb.get('SwapFree') ?? 0) * 1024,
  };
}

function percent(part: number, whole: number): number {
  return Math.round((part / whole) * 1000) / 10;
}

class MeminfoUnreadable extends Error {
  override name = 'MeminfoUnreadable';
}

function classifyFsError(err: unknown, path: string): ProbeError<FsFailure> {
  if (err instanceof MeminfoUnreadable) return { kind: 'invalid', message: err.message };
  const code = codeOf(err);
  if (code === 'ENOENT') return { kind: 'not_found', message: `no such path: ${path}` };
  if (code === 'EACCES' || code === 'EPERM')
    return { kind: 'permission', message: `permission denied: ${path}` };
  return { kind: 'other', message: `${path}: ${messageOf(err)}` };
}
