// npm run bench (part 3): medic watch on the testbed, installed as its --print-unit says, alerting a real
// webhook receiver. Prints, over 7 SIGKILLs of flaskapp's main process: the time from the kill to the
// incident being in the store, and to the webhook receiving the alert with its diagnosis; then medic's
// RSS and CPU while it watches 4 healthy services for 60 s.
// Targets: under 1 s and under 3 s median; under 80 MB and under 1% of one core.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const checkout = fileURLToPath(new URL('..', import.meta.url));
const tb = `${checkout}scripts/testbed`;
const SINK = '/tmp/medic-bench-alerts.jsonl';
const ROUNDS = 7;

function box(script: string): string {
  const r = spawnSync(tb, ['exec', '--', 'bash', '-c', script], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`${script.split('\n')[0]}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

function received(): {
  at: string;
  via: string;
  path?: string;
  body?: { event?: string; incident?: number; cause?: unknown };
}[] {
  try {
    return readFileSync(SINK, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as never);
  } catch {
    return [];
  }
}

/** ROUNDS crashes by KILL: the time from each to its incident in the store, and to its alert at the webhook. */
async function rounds(
  kill: () => number,
  incidentsCommand: string,
): Promise<{ toStore: number[]; toWebhook: number[] }> {
  const toStore: number[] = [];
  const toWebhook: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const before = received().length;
    const killedAt = kill();
    let opened: { at: string; body?: { incident?: number } } | undefined;
    for (let t = 0; t < 100 && !opened; t++) {
      await sleep(100);
      opened = received()
        .slice(before)
        .find((m) => m.via === 'http' && m.body?.event === 'incident.opened');
    }
    if (!opened?.body?.incident)
      throw new Error(
        `no alert arrived (round ${i + 1}, ${received().length - before} messages since the kill, ${Date.now() - killedAt} ms after it)`,
      );
    const id = opened.body.incident;
    const [row] = (
      JSON.parse(box(`${incidentsCommand} show ${id} || true`)) as {
        incidents: { detectedAt: string; causeId: string }[];
      }
    ).incidents;
    if (!row) throw new Error(`incident ${id} is not in the store`);
    toStore.push(Date.parse(row.detectedAt) - killedAt);
    toWebhook.push(Date.parse(opened.at) - killedAt);
    // wait for the resolve, so that the next kill opens a new incident (this round's: another store's incident
    // of the same number resolved earlier)
    for (let t = 0; t < 300; t++) {
      if (
        received()
          .slice(before)
          .some((m) => m.body?.event === 'incident.resolved' && m.body.incident === id)
      )
        break;
      await sleep(100);
    }
  }
  return { toStore, toWebhook };
}

/** The units' side: medic watch as its own user, installed as its --print-unit says, with the dashboard on. */
async function units(): Promise<void> {
  box(`set -e
mkdir -p /etc/medic
medic init -c /etc/medic/medic.yaml --force >/dev/null
# the units here; the containers below, by a medic that may open the engine's socket
sed -i '/^containers:/,/^check:/{/^check:/!d}' /etc/medic/medic.yaml
cat >> /etc/medic/medic.yaml <<'EOF'
watch:
  resolveAfter: 5s
notify:
  webhook: http://127.0.0.1:9911/hook
EOF
# the Celery worker as a service of its own: four services in all
sed -i 's/^services:/services:\\n  celery:\\n    unit: djangoapp-celery.service/' /etc/medic/medic.yaml
useradd --system --no-create-home --shell /usr/sbin/nologin medic
medic watch -c /etc/medic/medic.yaml --print-unit --http 127.0.0.1:9180 > /etc/systemd/system/medic-watch.service
medic watch -c /etc/medic/medic.yaml --print-sudoers > /etc/sudoers.d/medic
chmod 440 /etc/sudoers.d/medic
systemctl daemon-reload
systemctl start medic-watch`);
  await sleep(3000);

  const { toStore, toWebhook } = await rounds(
    () => Number(box('date +%s%3N; systemctl kill -s KILL --kill-whom=main flaskapp').trim().split('\n')[0]),
    'medic --format json incidents',
  );
  process.stdout.write('medic watch (7 SIGKILLs of flaskapp, medic as its own user)\n');
  process.stdout.write(
    `  crash → incident stored     median ${median(toStore)} ms  (min ${Math.min(...toStore)}, max ${Math.max(...toStore)})\n`,
  );
  process.stdout.write(
    `  crash → webhook alert       median ${median(toWebhook)} ms  (min ${Math.min(...toWebhook)}, max ${Math.max(...toWebhook)}), with the diagnosis\n`,
  );

  // 60 s of 4 healthy services: CPU from /proc/PID/stat (utime + stime), RSS from /proc/PID/status.
  const measure = () =>
    box(`pid=$(systemctl show -p MainPID --value medic-watch)
kids=$(pgrep -P $pid | tr '\\n' ' ')
echo $(awk '{print $14+$15}' /proc/$pid/stat) $(getconf CLK_TCK) $(awk '/VmRSS/ {print $2}' /proc/$pid/status) $(for k in $kids; do awk '/VmRSS/ {print $2}' /proc/$k/status; done | awk '{s+=$1} END {print s+0}')`)
      .trim()
      .split(/\s+/)
      .map(Number);
  await sleep(10_000); // the last incident's probes settle to the 10 s interval
  const [t0 = 0, hz = 100] = measure();
  const started = Date.now();
  let peak = 0;
  for (let s = 0; s < 12; s++) {
    await sleep(5000);
    // the dashboard in use meanwhile: its page and its JSON, as an open tab asks for them
    box(
      'curl -fs -o /dev/null http://127.0.0.1:9180/ && curl -fs -o /dev/null http://127.0.0.1:9180/api/services',
    );
    peak = Math.max(peak, measure()[2] ?? 0);
  }
  const [t1 = 0, , rss = 0, kids = 0] = measure();
  const cpu = ((t1 - t0) / hz / ((Date.now() - started) / 1000)) * 100;
  process.stdout.write(
    `  watching 4 services, 60 s, dashboard on (--http, 24 requests)   RSS ${(rss / 1024).toFixed(0)} MB (peak ${(peak / 1024).toFixed(0)} MB; journalctl child ${(kids / 1024).toFixed(0)} MB)  CPU ${cpu.toFixed(2)}% of one core\n`,
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

if (process.getuid?.() !== 0 || spawnSync(tb, ['reset'], { encoding: 'utf8' }).status !== 0) {
  process.stdout.write('medic watch: skipped (needs root and the testbed)\n');
  process.exit(0);
}
rmSync(SINK, { force: true });
const sink = spawn(process.execPath, [`${checkout}test/integration/alert-sink.ts`, SINK, '9911', '2525'], {
  stdio: 'ignore',
});
try {
  // --containers-only: the Docker side alone
  if (!process.argv.includes('--containers-only')) await units();
  // The Docker side: medic watch (as root, for the engine's socket) on the compose project's containers;
  // web's main process SIGKILLed from the host, where the engine runs; its restart policy brings it back.
  box(`set -e
systemctl stop medic-watch medic-docker-watch 2>/dev/null || true
mkdir -p /etc/medic /var/lib/medic
rm -f /var/lib/medic/docker.db
medic init --stdout > /tmp/init.yaml
{ echo 'version: 1'; sed -n '/^containers:/,/^check:/p' /tmp/init.yaml | sed '$d'; printf 'watch:\\n  resolveAfter: 5s\\nnotify:\\n  webhook: http://127.0.0.1:9911/hook\\n'; } > /etc/medic/docker.yaml
systemd-run --unit=medic-docker-watch --collect medic watch -c /etc/medic/docker.yaml --store /var/lib/medic/docker.db
for i in $(seq 1 80); do journalctl -u medic-docker-watch -o cat | grep -q event=watching && break; sleep 0.25; done
# web healthy again after the units' part, before the first kill
for i in $(seq 1 120); do [ "$(docker inspect -f '{{.State.Health.Status}}' dockerapp_web_1)" = healthy ] && break; sleep 0.5; done`);
  await sleep(1000);
  const engine = `unix://${process.env['MEDIC_TESTBED_STATE'] ?? '/run/medic-testbed'}/engine/docker.sock`;
  const docker = rounds(() => {
    const pid = spawnSync('docker', ['-H', engine, 'inspect', '-f', '{{.State.Pid}}', 'dockerapp_web_1'], {
      encoding: 'utf8',
    }).stdout.trim();
    const at = Date.now();
    process.kill(Number(pid), 'SIGKILL');
    return at;
  }, 'medic --format json incidents --store /var/lib/medic/docker.db');
  // a round that sees no alert is said, not hidden
  const d = await docker.catch((e: unknown) => {
    process.stdout.write(
      `medic watch of the web container: ${e instanceof Error ? e.message : String(e)} (run it alone: node bench/watch.ts --containers-only)\n`,
    );
    return null;
  });
  if (d) {
    process.stdout.write("medic watch (7 SIGKILLs of the web container, through the engine's events)\n");
    process.stdout.write(
      `  crash → incident stored     median ${median(d.toStore)} ms  (min ${Math.min(...d.toStore)}, max ${Math.max(...d.toStore)})\n`,
    );
    process.stdout.write(
      `  crash → webhook alert       median ${median(d.toWebhook)} ms  (min ${Math.min(...d.toWebhook)}, max ${Math.max(...d.toWebhook)}), with the diagnosis\n`,
    );
  }
} finally {
  sink.kill();
  spawnSync(tb, ['exec', '--', 'systemctl', 'stop', 'medic-watch', 'medic-docker-watch'], {
    encoding: 'utf8',
  });
}
