// npm run bench (fleet): `medic check --all-hosts` on the testbed's three hosts (scripts/testbed hosts) against
// `medic check --hosts web1` alone, asked from this machine over ssh, each host running dist/medic that
// `medic fleet install` put there. Prints the median wall time of 5 runs of each, alternated, and the ratio:
// first with each host held to its share of this machine's cores (three servers of their own, the case the
// target is about), then as the boxes are, sharing the cores. Target: three hosts under 1.5× one.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  statfsSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildExecutable, builtIsCurrent } from '../scripts/build.ts';
import { fleetEnv, HOST_NAMES, SSH_CONFIG, writeFleetFiles } from '../test/integration/fleet-hosts.ts';

const checkout = fileURLToPath(new URL('..', import.meta.url));
const tb = `${checkout}scripts/testbed`;
const RUNS = 5;

const dir = mkdtempSync(join(tmpdir(), 'medic-bench-fleet-'));
const env = fleetEnv();

function medic(...args: string[]): { ms: number; code: number; stdout: string; stderr: string } {
  const t = performance.now();
  const r = spawnSync(process.execPath, [`${checkout}bin/medic.js`, ...args], {
    cwd: dir,
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { ms: performance.now() - t, code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** One run of `medic --format json check` on HOSTS: its time, and the hosts that answered. */
function check(hosts: string[]): { ms: number; answered: number } {
  const r = medic('--format', 'json', 'check', ...hosts);
  const doc = JSON.parse(r.stdout) as { hosts: { status: string }[] };
  return { ms: r.ms, answered: doc.hosts.filter((h) => h.status !== 'error').length };
}

/** The CPU seconds (user + sys, its children's included) one `medic check` takes on host web1. */
function cpuOfCheck(): number {
  const r = spawnSync(
    'ssh',
    ['-F', SSH_CONFIG, 'web1', `bash -c 'TIMEFORMAT="%3U %3S"; time medic --format json check >/dev/null'`],
    { encoding: 'utf8' },
  );
  const [user = NaN, sys = NaN] = r.stderr.trim().split('\n').at(-1)?.split(' ').map(Number) ?? [];
  return user + sys;
}

/**
 * Holds each host to its share of this machine's cores (cores / 3 each, a CPU quota on its cgroup), so that
 * the three boxes behave as three servers of their own: one host alone gets no more CPU than when all three
 * run. Without it a host checked alone has both cores, and three at once a third of that each, which is
 * this machine's size and not medic's doing. Returns the undo.
 */
function ownCores(names: readonly string[], share: number): () => void {
  const period = 100_000;
  const quota = Math.round(share * period);
  const v2 = statfsSync('/sys/fs/cgroup').type === 0x63677270;
  if (v2) {
    for (const f of [
      '/sys/fs/cgroup/cgroup.subtree_control',
      '/sys/fs/cgroup/medic-fleet/cgroup.subtree_control',
    ])
      writeFileSync(f, '+cpu');
    for (const n of names) writeFileSync(`/sys/fs/cgroup/medic-fleet/${n}/cpu.max`, `${quota} ${period}`);
    return () => {
      for (const n of names) writeFileSync(`/sys/fs/cgroup/medic-fleet/${n}/cpu.max`, `max ${period}`);
    };
  }
  // cgroup v1: the host's processes (tracked in name=systemd's or the unified tree) into a cpu cgroup of its own
  const cpuRoot = '/sys/fs/cgroup/cpu';
  const tracked = ['/sys/fs/cgroup/unified', '/sys/fs/cgroup/systemd'].find((d) =>
    existsSync(`${d}/medic-fleet`),
  );
  if (!tracked || !existsSync(`${cpuRoot}/cgroup.procs`)) throw new Error('no cpu cgroup controller here');
  const pidsUnder = (dir: string): string[] => [
    ...readFileSync(`${dir}/cgroup.procs`, 'utf8').split('\n').filter(Boolean),
    ...readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .flatMap((e) => pidsUnder(`${dir}/${e.name}`)),
  ];
  const move = (pids: string[], to: string) => {
    for (const pid of pids)
      try {
        writeFileSync(`${to}/cgroup.procs`, pid);
      } catch {
        // gone meanwhile
      }
  };
  for (const n of names) {
    const cg = `${cpuRoot}/medic-fleet-bench/${n}`;
    mkdirSync(cg, { recursive: true });
    writeFileSync(`${cg}/cpu.cfs_period_us`, String(period));
    writeFileSync(`${cg}/cpu.cfs_quota_us`, String(quota));
    move(pidsUnder(`${tracked}/medic-fleet/${n}`), cg);
  }
  return () => {
    for (const n of names) {
      const cg = `${cpuRoot}/medic-fleet-bench/${n}`;
      move(readFileSync(`${cg}/cgroup.procs`, 'utf8').split('\n').filter(Boolean), cpuRoot);
      rmdirSync(cg);
    }
    rmdirSync(`${cpuRoot}/medic-fleet-bench`);
  };
}

/** Median wall times of `check --hosts web1` and `check --all-hosts`, alternated. */
function rounds(): { one: number[]; three: number[]; answered: number } {
  const one: number[] = [];
  const three: number[] = [];
  let answered = 0;
  for (let i = 0; i < RUNS; i++) {
    one.push(check(['--hosts', 'web1']).ms);
    const all = check(['--all-hosts']);
    three.push(all.ms);
    answered = all.answered;
  }
  return { one, three, answered };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const wasUp = spawnSync(tb, ['hosts', 'status'], { encoding: 'utf8' }).status === 0;
const help = spawnSync(process.execPath, [`${checkout}bin/medic.js`, 'fleet', 'install', '--help'], {
  encoding: 'utf8',
});
if (help.status !== 0) {
  process.stdout.write('medic check --all-hosts: skipped (this checkout has no medic fleet install)\n');
} else if (
  process.getuid?.() !== 0 ||
  spawnSync(tb, ['hosts', 'up'], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'inherit'] }).status !== 0
) {
  process.stdout.write(
    'medic check --all-hosts: skipped (needs root and the testbed: scripts/testbed hosts up)\n',
  );
} else {
  try {
    if (!builtIsCurrent()) await buildExecutable();
    writeFleetFiles(dir);
    const install = medic('fleet', 'install', '--all-hosts', '--medic-yaml', 'web.yaml');
    if (install.code !== 0)
      throw new Error(`medic fleet install failed:\n${install.stdout}${install.stderr}`);
    check(['--all-hosts']); // warm: the hosts' page cache holds the executable, as on a server that runs it daily
    const cores = availableParallelism();
    const line = (what: string, xs: number[], extra = '') =>
      `  ${what.padEnd(24)} median ${s(median(xs))}  min ${s(Math.min(...xs))}  max ${s(Math.max(...xs))}${extra}\n`;
    const verdict = (r: number) =>
      `${r.toFixed(2)} × ${r < 1.5 ? '(within target)' : '(OVER the 1.5 × target)'}`;

    // 1. as three servers of their own: each host held to its share of the cores, alone or not
    const share = cores / HOST_NAMES.length;
    const undo = ownCores(HOST_NAMES, share);
    let own;
    try {
      check(['--all-hosts']);
      own = rounds();
    } finally {
      undo();
    }
    // 2. as they are: one host alone has every core of this machine, three at once share them
    const shared = rounds();
    const cpu = median([cpuOfCheck(), cpuOfCheck(), cpuOfCheck()]);
    const floor = Math.max(median(shared.one), (3 * cpu * 1000) / cores);
    process.stdout.write(
      `medic check over ssh, ${RUNS} runs each, alternated (target: 3 hosts < 1.5 × one host)\n` +
        `three servers of their own (each host held to ${share.toFixed(2)} of this machine's ${cores} cores):\n` +
        line('check --hosts web1', own.one) +
        line('check --all-hosts (3)', own.three, `  (${own.answered} of 3 answered)`) +
        `  ratio                    ${verdict(median(own.three) / median(own.one))}\n` +
        `three boxes sharing ${cores} cores (one host alone has them all):\n` +
        line('check --hosts web1', shared.one) +
        line('check --all-hosts (3)', shared.three, `  (${shared.answered} of 3 answered)`) +
        `  ratio                    ${(median(shared.three) / median(shared.one)).toFixed(2)} ×\n` +
        `  one check's CPU on web1  ${cpu.toFixed(2)} s (user + sys), so three checks on ${cores} cores take at least\n` +
        `                           ${s(floor)}: --all-hosts is ${(median(shared.three) / floor).toFixed(2)} × that floor\n`,
    );
  } finally {
    if (!wasUp) spawnSync(tb, ['hosts', 'down']);
  }
}
rmSync(dir, { recursive: true, force: true });
