// The processes of a service: its main process and every descendant (a pre-fork server's workers), with
// their resident memory, read from /proc.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  comm: string;
  rssBytes: number;
}

/** pid, comm, ppid and rss (pages) of /proc/PID/stat; comm may hold spaces and parentheses. */
export function parseStat(text: string, pageSize = 4096): ProcessInfo | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const fields = text.slice(close + 2).split(' ');
  const pid = Number(text.slice(0, open).trim());
  const ppid = Number(fields[1]);
  const rss = Number(fields[21]);
  if (!Number.isInteger(pid) || !Number.isInteger(ppid)) return undefined;
  return {
    pid,
    ppid,
    comm: text.slice(open + 1, close),
    rssBytes: (Number.isFinite(rss) ? rss : 0) * pageSize,
  };
}

/** The process `root` and all its descendants; empty when it is not running. */
export async function processTree(procRoot: string, root: number): Promise<ProcessInfo[]> {
  if (!root) return [];
  let names: string[];
  try {
    names = (await readdir(procRoot)).filter((n) => /^\d+$/.test(n));
  } catch {
    return [];
  }
  const all = (
    await Promise.all(
      names.map((n) =>
        readFile(join(procRoot, n, 'stat'), 'utf8').then(
          (t) => parseStat(t),
          () => undefined,
        ),
      ),
    )
  ).filter((p): p is ProcessInfo => p !== undefined);
  const children = new Map<number, ProcessInfo[]>();
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const out: ProcessInfo[] = [];
  const start = all.find((p) => p.pid === root);
  if (!start) return [];
  const queue = [start];
  while (queue.length > 0) {
    const p = queue.shift() as ProcessInfo;
    out.push(p);
    queue.push(...(children.get(p.pid) ?? []));
  }
  return out;
}
