// npm run bench (part 2): `medic check` on the healthy testbed, run inside the box as on a server.
// Prints the median wall time of 9 runs for one app and for all three, and the peak RSS of medic's process.
// Targets: under 1.5 s median for one app, under 3 s for all three.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const checkout = fileURLToPath(new URL('..', import.meta.url));
const tb = `${checkout}scripts/testbed`;

// Python's getrusage(RUSAGE_CHILDREN) after the run: the peak RSS of the largest process medic's run left.
const MEASURE = String.raw`
import json, resource, subprocess, sys, time
t = time.monotonic()
r = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
ms = (time.monotonic() - t) * 1000
print(json.dumps({"ms": ms, "code": r.returncode, "rss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "out": r.stdout.decode()}))
`;

function run(args: string[]): { ms: number; rssKb: number; fails: number; checks: number } {
  const r = spawnSync(
    tb,
    ['exec', '--', 'python3', '-c', MEASURE, 'medic', '--format', 'json', 'check', ...args],
    {
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  const m = JSON.parse(r.stdout) as { ms: number; rss_kb: number; out: string };
  const reports = (JSON.parse(m.out) as { services: { results: { status: string }[] }[] }).services;
  const results = reports.flatMap((x) => x.results);
  return {
    ms: m.ms,
    rssKb: m.rss_kb,
    fails: results.filter((x) => x.status === 'fail').length,
    checks: results.length,
  };
}

function series(label: string, args: string[]): void {
  const runs = Array.from({ length: 9 }, () => run(args));
  const ms = runs.map((r) => r.ms).sort((a, b) => a - b);
  const rss = Math.max(...runs.map((r) => r.rssKb)) / 1024;
  const last = runs[runs.length - 1];
  process.stdout.write(
    `  ${label.padEnd(22)} median ${(ms[4]! / 1000).toFixed(2)} s  min ${(ms[0]! / 1000).toFixed(2)} s  max ${(ms[8]! / 1000).toFixed(2)} s  peak RSS ${rss.toFixed(0)} MB  (${last?.checks} results, ${last?.fails} failed)\n`,
  );
}

if (process.getuid?.() !== 0 || spawnSync(tb, ['up'], { encoding: 'utf8' }).status !== 0) {
  process.stdout.write('medic check: skipped (needs root and the testbed: scripts/testbed up)\n');
} else {
  process.stdout.write(
    'medic check on the healthy testbed, 9 runs each (targets: < 1.5 s median for one app, < 3 s for all three):\n',
  );
  series('check flaskapp', ['flaskapp']);
  series('check djangoapp', ['djangoapp']);
  series('check (all 3 apps)', []);
}
