// The release layout: ROOT/releases/ID/ (one per release), ROOT/current → the live one, ROOT/shared/ for
// what outlives releases (the env file, uploads, the virtualenvs by requirements hash), and the deploy lock.
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { UsageError } from '../errors.ts';
import {
  createExclusive,
  listDir,
  readLink,
  readText,
  readTextSync,
  removePath,
  removePathSync,
  writeText,
} from '../host/files.ts';
import { processAlive } from '../host/pids.ts';

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
  const names = await listDir(layout.releases);
  return names.filter((n) => /^\d{8}T\d{6}Z(-\d+)?$/.test(n)).sort();
}

export async function currentRelease(layout: Layout): Promise<string | null> {
  const target = await readLink(layout.current);
  return target ? basename(target) : null;
}

export async function readMeta(layout: Layout, id: string): Promise<ReleaseMeta | null> {
  const text = await readText(join(layout.releases, id, META_FILE));
  try {
    return text === null ? null : (JSON.parse(text) as ReleaseMeta);
  } catch {
    return null;
  }
}

/** Every release of the layout, oldest first, with what medic wrote beside it and whether it is live. */
export async function releaseRows(
  layout: Layout,
): Promise<({ id: string; live: boolean } & Partial<ReleaseMeta>)[]> {
  const ids = await releaseIds(layout);
  const live = await currentRelease(layout);
  return Promise.all(ids.map(async (id) => ({ id, live: id === live, ...(await readMeta(layout, id)) })));
}

export async function writeMeta(layout: Layout, meta: ReleaseMeta): Promise<void> {
  await writeText(join(layout.releases, meta.id, META_FILE), `${JSON.stringify(meta, null, 2)}\n`);
}

/** Removes releases beyond the newest `keep`, never the live one or the one before it. */
export async function prune(layout: Layout, keep: number, protect: (string | null)[]): Promise<string[]> {
  const ids = await releaseIds(layout);
  const removable = ids.slice(0, Math.max(0, ids.length - keep)).filter((id) => !protect.includes(id));
  for (const id of removable) await removePath(join(layout.releases, id));
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
    if (createExclusive(layout.lock, `${JSON.stringify(me)}\n`)) {
      return {
        tookOver,
        release() {
          if (holderOf(layout.lock)?.pid === me.pid) removePathSync(layout.lock);
        },
      };
    }
    const holder = holderOf(layout.lock);
    if (holder && holder.host === me.host && processAlive(holder.pid))
      throw new UsageError(
        `another deploy holds ${layout.lock}: pid ${holder.pid} (${holder.what}) since ${holder.since}; wait for it, or kill it and run again`,
      );
    if (holder && holder.host !== me.host)
      throw new UsageError(
        `${layout.lock} is held by ${holder.host} pid ${holder.pid} since ${holder.since}; remove it if that deploy is gone`,
      );
    tookOver = holder;
    // The holder is gone (killed): its lock is stale.
    removePathSync(layout.lock);
  }
  throw new UsageError(`cannot take the deploy lock ${layout.lock}`);
}

/** Who holds the lock, as its file says; null when it is gone or unreadable. */
function holderOf(lock: string): LockHolder | null {
  try {
    return JSON.parse(readTextSync(lock) ?? 'null') as LockHolder | null;
  } catch {
    return null;
  }
}
