// A compose service's build context as `docker build` sends it: a tar of the directory, without what
// .dockerignore leaves out (the Dockerfile and .dockerignore always go: the builder needs them).
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pack as tarPack } from 'tar-stream';

/** One .dockerignore pattern as a regular expression over a path relative to the context (Go's filepath.Match, with **). */
function patternRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? '';
    if (c === '*' && pattern[i + 1] === '*') {
      i++;
      // "**/" is any number of directories, none included
      if (pattern[i + 1] === '/') {
        i++;
        re += '(?:.*/)?';
      } else re += '.*';
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[' && pattern.indexOf(']', i + 1) > i + 1) {
      const end = pattern.indexOf(']', i + 1);
      re += `[${pattern
        .slice(i + 1, end)
        .replace(/^[!^]/, '^')
        .replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) {
      i++;
      re += (pattern[i] ?? '').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * Whether .dockerignore's text leaves a path out: the last pattern that matches the path (or a directory
 * above it) decides, and a "!" pattern takes it back in. `always` are never left out.
 */
export function dockerignore(text: string, always: string[] = []): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const keep = l.startsWith('!');
      const p = (keep ? l.slice(1) : l)
        .trim()
        .replace(/^\/+/, '')
        .replace(/\/+$/, '')
        .replace(/^\.\/|\/\.(?=\/|$)/g, '');
      return { keep, re: patternRegex(p || '.') };
    });
  return (path) => {
    if (always.includes(path)) return false;
    const parts = path.split('/');
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let out = false;
    for (const r of rules) if (prefixes.some((p) => r.re.test(p))) out = !r.keep;
    return out;
  };
}

/** Whether a .dockerignore can take back something inside a directory it leaves out (a "!" rule). */
const hasExceptions = (text: string) => /^\s*!/m.test(text);

/** The context directory as a tar stream, entries in a stable order. */
export async function contextTar(dir: string, dockerfile: string): Promise<Readable> {
  const text = await readFile(join(dir, '.dockerignore'), 'utf8').catch(() => '');
  const ignored = dockerignore(text, [dockerfile, '.dockerignore']);
  const descendIgnored = hasExceptions(text);
  const pack = tarPack();
  const add = (header: Parameters<typeof pack.entry>[0], body?: Readable) =>
    new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null) => (err ? reject(err) : resolve());
      // a directory or a link has no body; an empty file's is empty, and given whole
      if (!body && header.type === 'file') return void pack.entry(header, Buffer.alloc(0), done);
      const entry = pack.entry(header, done);
      if (body) body.on('error', reject).pipe(entry);
    });
  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(join(dir, rel))).sort();
    for (const name of names) {
      const path = rel ? `${rel}/${name}` : name;
      const full = join(dir, path);
      const st = await lstat(full);
      const out = ignored(path);
      const base = { name: path, mode: st.mode & 0o7777, mtime: st.mtime, uid: 0, gid: 0 };
      if (st.isDirectory()) {
        if (!out) await add({ ...base, type: 'directory' });
        if (!out || descendIgnored) await walk(path);
      } else if (out) continue;
      else if (st.isSymbolicLink()) await add({ ...base, type: 'symlink', linkname: await readlink(full) });
      else if (st.isFile())
        await add({ ...base, type: 'file', size: st.size }, st.size > 0 ? createReadStream(full) : undefined);
    }
  };
  walk('').then(
    () => pack.finalize(),
    (e: unknown) => pack.destroy(e instanceof Error ? e : new Error(String(e))),
  );
  return Readable.from(pack);
}
