// npm run bench (part 4): medic deploy and medic rollback of flaskapp on the testbed, inside the box as on
// a server, while a curl loop hits the site through Nginx. Prints the wall time of a no-change deploy and
// of a rollback (median, min, max of 5 each) and every request that did not answer 200 during them; then
// the same for the compose service web (3 each: a deploy builds its image and compose recreates it).
// Target: 0 failed requests. The health window after the switch is 5 s here (the default is 30 s).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const checkout = fileURLToPath(new URL('..', import.meta.url));
const tb = `${checkout}scripts/testbed`;
const WINDOW_S = 5;
const RUNS = 5;
const COMPOSE_RUNS = 3;

function box(script: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(tb, ['exec', '--', 'bash', '-c', script], { encoding: 'utf8', maxBuffer: 16 << 20 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function timed(args: string, url: string): { ms: number; outcome: string; failed: number; requests: number } {
  box(
    `rm -f /tmp/bench-load.log; nohup bash -c 'while true; do curl -s -o /dev/null -w "%{http_code}\\n" --max-time 5 ${url} >> /tmp/bench-load.log; done' >/dev/null 2>&1 & echo $! > /tmp/bench-load.pid`,
  );
  const t = process.hrtime.bigint();
  const r = box(`medic --format json ${args}`);
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  box('kill $(cat /tmp/bench-load.pid); sleep 0.3');
  const codes = box('cat /tmp/bench-load.log').stdout.split('\n').filter(Boolean);
  let outcome = 'no answer';
  try {
    outcome =
      (JSON.parse(r.stdout) as { services: { outcome: string }[] }).services[0]?.outcome ?? 'no service';
  } catch {
    outcome = `exit ${r.code}: ${r.stderr.trim().split('\n').pop() ?? ''}`;
  }
  return { ms, outcome, failed: codes.filter((c) => c !== '200').length, requests: codes.length };
}

function series(label: string, args: string, count = RUNS, url = 'http://flask.medic.test/'): void {
  const runs = Array.from({ length: count }, () => timed(args, url));
  const ms = runs.map((r) => r.ms).sort((a, b) => a - b);
  const s = (x: number | undefined) => `${((x ?? 0) / 1000).toFixed(1)} s`;
  const failed = runs.reduce((n, r) => n + r.failed, 0);
  const requests = runs.reduce((n, r) => n + r.requests, 0);
  const outcomes = [...new Set(runs.map((r) => r.outcome))].join(', ');
  process.stdout.write(
    `  ${label.padEnd(20)} median ${s(ms[Math.floor(count / 2)])}  min ${s(ms[0])}  max ${s(ms[count - 1])}  (${WINDOW_S} s of it the window)  failed requests ${failed} of ${requests}  outcome ${outcomes}\n`,
  );
}

if (process.getuid?.() !== 0 || spawnSync(tb, ['reset'], { encoding: 'utf8' }).status !== 0) {
  process.stdout.write('medic deploy: skipped (needs root and the testbed: scripts/testbed reset)\n');
} else {
  const init = box('medic deploy --init --service flaskapp');
  if (init.code !== 0) {
    process.stdout.write(`medic deploy: --init failed: ${init.stderr.trim().split('\n').pop() ?? ''}\n`);
    process.exitCode = 1;
  } else {
    process.stdout.write(
      `medic deploy and rollback of flaskapp under a curl loop through Nginx, ${RUNS} runs each (target: 0 failed requests):\n`,
    );
    series(
      'no-change deploy',
      `deploy --service flaskapp --keep 10 --window ${WINDOW_S}s /srv/flaskapp/current`,
    );
    series('rollback', `rollback --service flaskapp --keep 10 --window ${WINDOW_S}s`);
    // the compose service web: its image built from its build context, then compose recreates it
    process.stdout.write(
      `medic deploy and rollback of the compose service web (dockerapp), ${COMPOSE_RUNS} runs each:\n`,
    );
    const site = 'http://dockerapp.medic.test/health';
    const flags = `--service web --keep 10 --window ${WINDOW_S}s`;
    series('compose deploy', `deploy ${flags}`, COMPOSE_RUNS, site);
    series('compose rollback', `rollback ${flags}`, COMPOSE_RUNS, site);
  }
  spawnSync(tb, ['reset'], { encoding: 'utf8' });
}
