// npm run bench (part 5): the start-up of dist/medic, the single executable, against `node bin/medic.js`.
// Median wall time of 15 runs each of `--version` and of `diagnose --log` on a small log, the two programs
// taking turns so that a busy machine slows both alike. Target: the single executable within 20% of the
// checkout. dist/medic is built first when it is missing or older than the sources.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BINARY, buildExecutable, builtIsCurrent } from '../scripts/build.ts';

const checkout = fileURLToPath(new URL('..', import.meta.url));
const LOG = `${checkout}test/fixtures/public/db_auth_failed/postgres-role-missing-after-reinit.log`;
const RUNS = 15;

function ms(file: string, args: string[]): number {
  const start = performance.now();
  const r = spawnSync(file, args, { stdio: 'ignore' });
  if (r.status !== 0 && r.status !== 1) throw new Error(`${file} ${args.join(' ')}: exit ${r.status}`);
  return performance.now() - start;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

if (!builtIsCurrent()) await buildExecutable();
const size = statSync(BINARY).size;
process.stdout.write(
  `start-up, median of ${RUNS} runs (dist/medic ${(size / 1e6).toFixed(1)} MB; target: within 20% of the checkout):\n`,
);
for (const [label, args] of [
  ['--version', ['--version']],
  ['diagnose --log (small)', ['diagnose', '--log', LOG]],
] as const) {
  const single: number[] = [];
  const node: number[] = [];
  // one run each first: the checkout's compile cache filled, both files in the page cache
  ms(BINARY, [...args]);
  ms(process.execPath, [`${checkout}bin/medic.js`, ...args]);
  for (let i = 0; i < RUNS; i++) {
    single.push(ms(BINARY, [...args]));
    node.push(ms(process.execPath, [`${checkout}bin/medic.js`, ...args]));
  }
  const [a, b] = [median(single), median(node)];
  process.stdout.write(
    `  ${label.padEnd(24)} dist/medic ${a.toFixed(0).padStart(4)} ms   node bin/medic.js ${b.toFixed(0).padStart(4)} ms   ${((a / b - 1) * 100).toFixed(0).padStart(4)}%  ${a <= b * 1.2 ? 'ok' : 'over target'}\n`,
  );
}
