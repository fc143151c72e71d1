// A container's files as a Host: what the archive endpoint gave of one directory (its code), so that the
// readers of a project on the host (requirements, pyproject, the code's env reads) read it in a container too.
import type { Stats } from 'node:fs';
import { posix } from 'node:path';
import type { ArchiveEntry } from './docker.ts';
import type { Host } from './host.ts';

/** `entries` archived from `path` (named relative to its parent, as `docker cp` names them); commands and the clock stay `base`'s. */
export function containerFiles(entries: ArchiveEntry[], path: string, base: Host): Host {
  const parent = posix.dirname(posix.resolve('/', path));
  const byPath = new Map(entries.map((e) => [posix.join(parent, e.name), e]));
  const children = new Map<string, string[]>();
  for (const p of byPath.keys()) {
    const dir = posix.dirname(p);
    if (dir === p) continue;
    children.set(dir, [...(children.get(dir) ?? []), posix.basename(p)]);
  }
  const text = (p: string, maxBytes?: number) => {
    const body = byPath.get(posix.resolve('/', p))?.body;
    return body ? body.subarray(0, maxBytes ?? body.length).toString('utf8') : undefined;
  };
  return {
    root: '/',
    procRoot: '/proc',
    path: (p) => posix.resolve('/', p),
    readFile: async (p, maxBytes) => text(p, maxBytes),
    readFileNow: (p) => text(p),
    readTail: async () => '',
    stat: async (p) => {
      const e = byPath.get(posix.resolve('/', p));
      if (!e) return undefined;
      // The few fields a reader of a project asks; a container's file is not a Stats of this machine.
      return {
        isDirectory: () => e.type === 'directory',
        isFile: () => e.type === 'file',
        isSymbolicLink: () => e.type === 'symlink',
        mode: e.mode,
        uid: e.uid,
        gid: e.gid,
        size: e.body?.length ?? 0,
      } as unknown as Stats;
    },
    readdir: async (p) => {
      const resolved = posix.resolve('/', p);
      return byPath.get(resolved)?.type === 'directory' ? [...(children.get(resolved) ?? [])] : undefined;
    },
    run: base.run,
    now: base.now,
  };
}
