// A real PostgreSQL for the shared store's tests: Debian's server binaries, a cluster of its own in a temporary
// directory on a free loopback port (as the postgres user when the tests run as root, which initdb refuses),
// password authentication, a "medic" role and database. Stopped and started again on demand, removed after.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './servers.ts';

export const MEDIC_PASSWORD = 'pg-s3cret/with@signs';

const made: string[] = [];
process.on('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A temporary directory, removed when the test process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export interface Cluster {
  /** medic's URL: role medic, its password percent-encoded, database medic. */
  url: string;
  /** The superuser's, for the tests' own looks. */
  adminUrl: string;
  port: number;
  /** pg_ctl stop: fast (clean) or immediate (as a crash). */
  stop(mode?: 'fast' | 'immediate'): void;
  start(): void;
  /** Stops it and removes its directory. */
  remove(): void;
}

/** Debian's server binaries: /usr/lib/postgresql/N/bin, the newest N. */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions[0])
    throw new Error(
      'PostgreSQL is not installed: apt-get install postgresql (scripts/test.sh installs it on a fresh machine)',
    );
  return join(root, versions[0], 'bin');
}

/** The postgres user's uid and gid when running as root (initdb will not run as root). */
function owner(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('running as root and there is no postgres user to run PostgreSQL as');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

export async function startCluster(): Promise<Cluster> {
  const bin = binDir();
  const user = owner();
  const dir = mkdtempSync(join(tmpdir(), 'medic-pg-'));
  const data = join(dir, 'data');
  const adminPassword = 'admin-pw-for-tests';
  writeFileSync(join(dir, 'pw'), adminPassword);
  if (user) {
    chownSync(dir, user.uid, user.gid);
    chownSync(join(dir, 'pw'), user.uid, user.gid);
  }
  const port = await freePort();
  const as = { ...(user ?? {}), cwd: dir, stdio: 'pipe' as const, encoding: 'utf8' as const };
  const pgCtl = (args: string[]) => {
    const r = spawnSync(join(bin, 'pg_ctl'), ['-D', data, ...args], as);
    if (r.status !== 0)
      throw new Error(
        `pg_ctl ${args.join(' ')}: ${r.stderr}${r.stdout}\n${readLogTail(join(dir, 'log'))}`.trim(),
      );
  };
  execFileSync(
    join(bin, 'initdb'),
    [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=scram-sha-256',
      `--pwfile=${join(dir, 'pw')}`,
      '-E',
      'UTF8',
      '--no-locale',
      '-N',
    ],
    as,
  );
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c shared_buffers=16MB -c max_connections=40`;
  const start = () => pgCtl(['-o', options, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
  start();
  const adminUrl = `postgresql://postgres:${adminPassword}@127.0.0.1:${port}/postgres`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE ROLE medic LOGIN PASSWORD '${MEDIC_PASSWORD}'`);
  await admin.query('CREATE DATABASE medic OWNER medic');
  await admin.end();
  let running = true;
  const stop = (mode: 'fast' | 'immediate' = 'fast') => {
    if (!running) return;
    pgCtl(['-m', mode, '-w', 'stop']);
    running = false;
  };
  return {
    url: `postgresql://medic:${encodeURIComponent(MEDIC_PASSWORD)}@127.0.0.1:${port}/medic`,
    adminUrl: `postgresql://postgres:${adminPassword}@127.0.0.1:${port}/medic`,
    port,
    stop,
    start() {
      if (running) return;
      start();
      running = true;
    },
    remove() {
      try {
        stop('immediate');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function readLogTail(path: string): string {
  try {
    return readFileSync(path, 'utf8').slice(-1500);
  } catch {
    return '';
  }
}
