// npm run bench (fleet): `medic check --all-hosts` on the testbed's three hosts (scripts/testbed hosts) against
// `medic check --hosts web1` alone, asked from this machine over ssh, each host running dist/medic that
// `medic fleet install` put there. Prints the median wall time of 5 runs of each, alternated, and the ratio.
// Target: three hosts in under 1.5 times the time of one.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildExecutable, builtIsCurrent } from '../scripts/build.ts';
import { fleetEnv, SSH_CONFIG, writeFleetFiles } from '../test/integration/fleet-hosts.ts';

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
    const one: number[] = [];
    const three: number[] = [];
    let answered = 0;
    for (let i = 0; i < RUNS; i++) {
      one.push(check(['--hosts', 'web1']).ms);
      const all = check(['--all-hosts']);
      three.push(all.ms);
      answered = all.answered;
    }
    const ratio = median(three) / median(one);
    // The three hosts are boxes on this one machine: three checks at once share its cores.
    const cpu = median([cpuOfCheck(), cpuOfCheck(), cpuOfCheck()]);
    const cores = availableParallelism();
    const floor = Math.max(median(one), (3 * cpu * 1000) / cores);
    process.stdout.write(
      `medic check over ssh, ${RUNS} runs each, alternated (target: 3 hosts < 1.5 × one host):\n` +
        `  check --hosts web1       median ${s(median(one))}  min ${s(Math.min(...one))}  max ${s(Math.max(...one))}\n` +
        `  check --all-hosts (3)    median ${s(median(three))}  min ${s(Math.min(...three))}  max ${s(Math.max(...three))}  (${answered} of 3 answered)\n` +
        `  ratio                    ${ratio.toFixed(2)} × ${ratio < 1.5 ? '(within target)' : '(OVER the 1.5 × target)'}\n` +
        `  one check's CPU on web1  ${cpu.toFixed(2)} s (user + sys); the three hosts share ${cores} cores here, so three\n` +
        `                           checks take at least ${s(floor)}: --all-hosts is ${(median(three) / floor).toFixed(2)} × that floor\n`,
    );
  } finally {
    if (!wasUp) spawnSync(tb, ['hosts', 'down']);
  }
}
rmSync(dir, { recursive: true, force: true });
