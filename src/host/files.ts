// The files medic writes as it deploys (release directories, copies, links switched atomically, lock
// files) and as it installs itself. Paths are the machine's own; a missing file reads as null or an empty list.
import { createHash } from 'node:crypto';
import {
  closeSync,
  constants,
  createReadStream,
  existsSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import {
  copyFile,
  cp,
  mkdir,
  open,
  readdir,
  readFile,
  readlink,
  realpath,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { dirname, relative } from 'node:path';

export function pathExists(path: string): boolean {
  return existsSync(path);
}

/** true for a directory, false for anything else, null when nothing is there. */
export async function isDirectory(path: string): Promise<boolean | null> {
  const s = await stat(path).catch(() => null);
  return s ? s.isDirectory() : null;
}

export async function readText(path: string): Promise<string | null> {
  return readFile(path, 'utf8').catch(() => null);
}

export async function readBytes(path: string): Promise<Buffer | null> {
  return readFile(path).catch(() => null);
}

export function readTextSync(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

export async function listDir(path: string): Promise<string[]> {
  return readdir(path).catch(() => [] as string[]);
}

export async function readLink(path: string): Promise<string | null> {
  return readlink(path).catch(() => null);
}

/** The path with its links resolved; throws when it does not exist. */
export async function realPath(path: string): Promise<string> {
  return realpath(path);
}

/** Makes the directory and its parents; one that exists is fine. */
export async function makeDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true });
}

/** Removes a file, a link or a whole directory; nothing there is fine. */
export async function removePath(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}

export function removePathSync(path: string): void {
  rmSync(path, { force: true });
}

export async function renamePath(from: string, to: string): Promise<void> {
  await rename(from, to);
}

export async function makeSymlink(target: string, path: string): Promise<void> {
  await symlink(target, path);
}

export async function copyFileTo(from: string, to: string): Promise<void> {
  await copyFile(from, to);
}

/** Copies a tree as it is (links stay links), leaving out what `skip` names by its path under `from`. */
export async function copyTree(
  from: string,
  to: string,
  skip: (relativePath: string) => boolean,
): Promise<void> {
  await cp(from, to, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (path) => !skip(relative(from, path)),
  });
}

export async function writeText(path: string, text: string): Promise<void> {
  await writeFile(path, text);
}

/** Writes FILE whole or not at all: a file beside it, renamed over it. */
export async function writeAtomic(file: string, text: string, mode = 0o644): Promise<void> {
  const tmp = `${file}.medic-tmp`;
  await writeFile(tmp, text, { mode });
  await rename(tmp, file);
}

/** The SHA-256 of a file's bytes, in hex; null when there is no file to read. */
export async function sha256File(path: string): Promise<string | null> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch {
    return null;
  }
  return hash.digest('hex');
}

/**
 * Copies FROM to TO whole or not at all: a file beside TO, flushed to disk and checked against SHA256, then
 * renamed over TO (a running program there keeps its old file). false, TO untouched, when the bytes differ.
 */
export async function installCopy(from: string, to: string, sha256: string, mode = 0o755): Promise<boolean> {
  const tmp = `${to}.medic-tmp`;
  try {
    await rm(tmp, { force: true });
    await copyFile(from, tmp, constants.COPYFILE_EXCL);
    const file = await open(tmp, 'r+');
    try {
      await file.chmod(mode);
      await file.sync();
    } finally {
      await file.close();
    }
    if ((await sha256File(tmp)) !== sha256) return false;
    await rename(tmp, to);
  } finally {
    await rm(tmp, { force: true });
  }
  // the rename itself on disk, so a power cut cannot bring the old file back
  const dir = await open(dirname(to), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
  return true;
}

/** Points `link` at `target` atomically: a new symlink beside it, renamed over it. */
export async function swapSymlink(link: string, target: string): Promise<void> {
  const tmp = `${link}.medic-tmp`;
  await rm(tmp, { force: true });
  await symlink(target, tmp);
  await rename(tmp, link);
}

/** Creates FILE with TEXT only if it does not exist (O_EXCL): false when it already does. */
export function createExclusive(file: string, text: string, mode = 0o644): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}
