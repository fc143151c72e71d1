import type { Stats } from 'node:fs';
import { readFileSync } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { run, type RunOptions, type RunResult } from './run.ts';

/** Bytes read of a file by default: configs and unit files are small; a log is read elsewhere. */
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

/**
 * The machine medic looks at. Every path is taken relative to `root`, so medic can be pointed at
 * a testbed's or a container's filesystem; commands still run on the machine medic runs on.
 */
export type Host = {
  /** `/` for this machine. */
  root: string;
  /** `root`/proc. */
  procRoot: string;
  /** An absolute path of the host as a path medic can open (`..` cannot climb out of `root`). */
  path(path: string): string;
  /** The file's text (its first `maxBytes`), or undefined when it is missing or unreadable. */
  readFile(path: string, maxBytes?: number): Promise<string | undefined>;
  /** The file's text, read at once: for parsers that read as they go (a Gunicorn config file); small files only. */
  readFileNow(path: string): string | undefined;
  /** The file's last `bytes`, from the first whole line; '' when it is missing or unreadable. */
  readTail(path: string, bytes: number): Promise<string>;
  stat(path: string): Promise<Stats | undefined>;
  readdir(path: string): Promise<string[] | undefined>;
  run(cmd: string, args: readonly string[], options: RunOptions): Promise<RunResult>;
  now(): Date;
};

export function localHost(): Host {
  return hostAt('/');
}

/** A host whose filesystem is mounted at `root`; `now` can be fixed for reproducible reports. */
export function hostAt(root: string, now: () => Date = () => new Date()): Host {
  const path = (p: string) => join(root, posix.resolve('/', p));
  return {
    root,
    procRoot: path('/proc'),
    path,
    readFile: (p, maxBytes = DEFAULT_MAX_FILE_BYTES) => readCapped(path(p), maxBytes),
    readTail: (p, bytes) => readTail(path(p), bytes),
    readFileNow: (p) => {
      try {
        return readFileSync(path(p), 'utf8');
      } catch {
        return undefined;
      }
    },
    stat: (p) => stat(path(p)).catch(() => undefined),
    readdir: (p) => readdir(path(p)).catch(() => undefined),
    run,
    now,
  };
}

/** Reads up to `maxBytes`; reads in a loop because /proc files report a size of 0. */
async function readCapped(path: string, maxBytes: number): Promise<string | undefined> {
  let file;
  try {
    file = await open(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const buffer = Buffer.alloc(Math.min(maxBytes, 64 * 1024));
    const chunks: Buffer[] = [];
    let total = 0;
    while (total < maxBytes) {
      const { bytesRead } = await file.read(buffer, 0, Math.min(buffer.length, maxBytes - total), null);
      if (bytesRead === 0) break;
      chunks.push(Buffer.from(buffer.subarray(0, bytesRead)));
      total += bytesRead;
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } catch {
    return undefined; // a directory, or a read error mid-file
  } finally {
    await file.close().catch(() => {});
  }
}

async function readTail(path: string, bytes: number): Promise<string> {
  let file;
  try {
    file = await open(path, 'r');
    const { size } = await file.stat();
    const start = Math.max(0, size - bytes);
    const buffer = Buffer.alloc(Math.min(bytes, size));
    await file.read(buffer, 0, buffer.length, start);
    const text = buffer.toString('utf8');
    return start > 0 ? text.slice(text.indexOf('\n') + 1) : text;
  } catch {
    return '';
  } finally {
    await file?.close().catch(() => {});
  }
}
