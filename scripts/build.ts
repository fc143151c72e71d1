// `npm run build`: dist/medic, medic and Node in one executable file for linux-x64 (Node's single
// executable applications), dist/medic.sha256 beside it, and dist/medic.sources, the digest of the sources
// it was built from (a test compares it to tell a stale binary from a current one).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { assetFiles } from '../src/serve/assets.ts';

const ROOT = new URL('..', import.meta.url).pathname;
export const DIST = join(ROOT, 'dist');
export const BINARY = join(DIST, 'medic');
/** The Node 24 that `npm ci` brings: its binary is the executable's base, its version makes the blob. */
const NODE = join(ROOT, 'node_modules', 'node', 'bin', 'node');
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
/** What the executable is made of: a change in any of these makes a new one. */
const SOURCES = ['src', 'scripts/build.ts', 'package.json', 'package-lock.json'];

/** One digest of every file under SOURCES, by path and content. */
export function sourcesDigest(): string {
  const hash = createHash('sha256');
  const walk = (path: string): void => {
    if (statSync(join(ROOT, path)).isDirectory())
      for (const name of readdirSync(join(ROOT, path)).sort()) walk(join(path, name));
    else
      hash
        .update(`${path}\0`)
        .update(readFileSync(join(ROOT, path)))
        .update('\0');
  };
  for (const path of SOURCES) walk(path);
  return hash.digest('hex');
}

export function sha256Of(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** true when dist/medic is there, matches its checksum, and was built from the sources as they are now. */
export function builtIsCurrent(): boolean {
  try {
    return (
      readFileSync(`${BINARY}.sources`, 'utf8').trim() === sourcesDigest() &&
      readFileSync(`${BINARY}.sha256`, 'utf8').split(/\s/)[0] === sha256Of(BINARY)
    );
  } catch {
    return false;
  }
}

export async function buildExecutable(): Promise<void> {
  const started = performance.now();
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const digest = sourcesDigest();
  const work = mkdtempSync(join(tmpdir(), 'medic-build-'));
  try {
    const script = join(work, 'medic.cjs');
    // One CommonJS script, as the single executable needs: every dynamic import() (the commands,
    // nodemailer, prom-client, pg, redis) inlined; node: built-ins such as node:sqlite stay Node's.
    const bundled = await build({
      entryPoints: [join(ROOT, 'src', 'cli', 'single-executable.ts')],
      outfile: script,
      bundle: true,
      platform: 'node',
      target: 'node24',
      format: 'cjs',
      minify: true,
      legalComments: 'none',
      // pg asks for its optional native binding only when told to; medic never does.
      external: ['pg-native'],
      // The checkout's uses of import.meta.url sit behind MEDIC_VERSION and isSea(); any other one fails loud.
      define: { MEDIC_VERSION: JSON.stringify(version), 'import.meta.url': 'undefined' },
      logLevel: 'warning',
    });
    if (bundled.warnings.length > 0) throw new Error('the bundle has warnings (above): fix them first');
    const blob = join(work, 'medic.blob');
    writeFileSync(
      join(work, 'sea.json'),
      JSON.stringify({
        main: script,
        output: blob,
        disableExperimentalSEAWarning: true,
        useSnapshot: false,
        // V8's compiled code of the script, made at build time: `--version` starts in about half the time
        // (bench/startup.ts). Its bytes differ from one build to the next, so the checksum is per build.
        useCodeCache: true,
        // the dashboard's script, styles and uPlot, read with node:sea's getAsset
        assets: assetFiles(),
      }),
    );
    execFileSync(NODE, ['--experimental-sea-config', join(work, 'sea.json')], { stdio: 'pipe' });
    const binary = join(work, 'medic');
    copyFileSync(NODE, binary);
    // postject's own notes on the ELF sections it does not know are noise: shown only when it fails.
    execFileSync(
      join(ROOT, 'node_modules', '.bin', 'postject'),
      [binary, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE],
      { stdio: 'pipe' },
    );
    chmodSync(binary, 0o755);
    mkdirSync(DIST, { recursive: true });
    // The old checksum and stamp go first, so a build stopped half way never leaves a pair that agrees.
    rmSync(`${BINARY}.sha256`, { force: true });
    rmSync(`${BINARY}.sources`, { force: true });
    copyFileSync(binary, `${BINARY}.tmp`);
    renameSync(`${BINARY}.tmp`, BINARY);
    writeFileSync(`${BINARY}.sha256`, `${sha256Of(BINARY)}  medic\n`);
    writeFileSync(`${BINARY}.sources`, `${digest}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const size = statSync(BINARY).size;
  console.log(
    `dist/medic ${version}: ${(size / 1e6).toFixed(1)} MB, built in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

if (import.meta.main) await buildExecutable();
