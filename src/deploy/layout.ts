// The release layout: ROOT/releases/ID/ (one per release), ROOT/current → the live one, ROOT/shared/ for
// what outlives releases (the env file, uploads, the virtualenvs by requirements hash), and the deploy lock.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { readdir, readFile, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { UsageError } from '../errors.ts';

export interface Layout {
  root: string;
  releases: string;
  shared: string;
  current: string;
  lock: string;
}

export function layoutOf(root: string): Layout {
  return {
    root,
    releases: join(root, 'releases'),
    shared: join(root, 'shared'),
    current: join(root, 'current'),
    lock: join(root, '.medic-deploy.lock'),
  };
}

/** What medic writes beside each release: where it came from and what it was built with. */
export interface ReleaseMeta {
  id: string;
  createdAt: string;
  source: string;
  /** git commit of the source, when it was a repository. */
  revision: string | null;
  requirementsHash: string | null;
  /** The newest migration the release's code knows (Alembic revision id or Django app.name pairs). */
  migrationHead: string | null;
  /** Migrations that have no way back (Alembic downgrade that is `pass`, RunPython without reverse). */
  irreversible: string[];
  /** How its last deploy or rollback ended: live, rolled_back (served, failed its watch), failed (never served). */
  result?: { outcome: 'live' | 'rolled_back' | 'failed'; step: string | null; at: string };
}

export const META_FILE = '.medic-release.json';

/** A release id that sorts by time: 20261122T031502Z (a suffix when two land in the same second). */
export function releaseIdAt(date: Date, taken: string[]): string {
  const base = date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  let id = base;
  for (let n = 2; taken.includes(id); n++) id = `${base}-${n}`;
  return id;
}

export async function releaseIds(layout: Layout): Promise<string[]> {
  const names = await readdir(layout.releases).catch(() => [] as string[]);
  return names.filter((n) => /^\d{8}T\d{6}Z(-\d+)?$/.test(n)).sort();
}

export async function currentRelease(layout: Layout): Promise<string | null> {
  const target = await readlink(layout.current).catch(() => null);
  return target ? basename(target) : null;
}

export async function readMeta(layout: Layout, id: string): Promise<ReleaseMeta | null> {
  try {
    return JSON.parse(await readFile(join(layout.releases, id, META_FILE), 'utf8')) as ReleaseMeta;
  } catch {
    return null;
  }
}

export async function writeMeta(layout: Layout, meta: ReleaseMeta): Promise<void> {
  await writeFile(join(layout.releases, meta.id, META_FILE), `${JSON.stringify(meta, null, 2)}\n`);
}

/** Points `link` at `target` atomically: a new symlink beside it, renamed over it. */
export async function swapSymlink(link: string, target: string): Promise<void> {
  const tmp = `${link}.medic-tmp`;
  await rm(tmp, { force: true });
  await symlink(target, tmp);
  await rename(tmp, link);
}

/** Removes releases beyond the newest `keep`, never the live one or the one before it. */
export async function prune(layout: Layout, keep: number, protect: (string | null)[]): Promise<string[]> {
  const ids = await releaseIds(layout);
  const removable = ids.slice(0, Math.max(0, ids.length - keep)).filter((id) => !protect.includes(id));
  for (const id of removable) await rm(join(layout.releases, id), { recursive: true, force: true });
  return removable;
}

export interface LockHolder {
  pid: number;
  host: string;
  since: string;
  what: string;
}

/**
 * Takes the app's deploy lock (O_EXCL). A lock whose process is gone (medic was killed) is taken over;
 * a live holder is a one-line error that names it.
 */
export function takeLock(layout: Layout, what: string): { release(): void; tookOver: LockHolder | null } {
  const me: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), what };
  let tookOver: LockHolder | null = null;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(layout.lock, 'wx', 0o644);
      writeSync(fd, `${JSON.stringify(me)}\n`);
      closeSync(fd);
      return {
        tookOver,
        release() {
          try {
            const held = JSON.parse(readFileSync(layout.lock, 'utf8')) as LockHolder;
            if (held.pid === me.pid) rmSync(layout.lock, { force: true });
          } catch {
            // already gone
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let holder: LockHolder | null = null;
      try {
        holder = JSON.parse(readFileSync(layout.lock, 'utf8')) as LockHolder;
      } catch {
        holder = null;
      }
      if (holder && holder.host === me.host && alive(holder.pid))
        throw new UsageError(
          `another deploy holds ${layout.lock}: pid ${holder.pid} (${holder.what}) since ${holder.since}; wait for it, or kill it and run again`,
        );
      if (holder && holder.host !== me.host)
        throw new UsageError(
          `${layout.lock} is held by ${holder.host} pid ${holder.pid} since ${holder.since}; remove it if that deploy is gone`,
        );
      tookOver = holder;
      // The holder is gone (killed): its lock is stale.
      rmSync(layout.lock, { force: true });
    }
  }
  throw new UsageError(`cannot take the deploy lock ${layout.lock}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
