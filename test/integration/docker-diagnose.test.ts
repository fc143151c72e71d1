// medic diagnose and medic check on the testbed's Docker side: each Docker scenario, applied once, shows its
// breakage as Docker itself reports it (expect/docker-visible.ts), is diagnosed live by naming its container
// or compose service, through the Engine API on the box's /var/run/docker.sock (the right cause, the first
// fatal line, the one JSON shape of every diagnosis), fails the docker. check it breaks, is seen by a medic
// watch that ran through it (one incident, its cause, one alert sent), and is healed by the reset.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  assertHealthy,
  checkout,
  container,
  eventually,
  httpStatus,
  inBox,
  incidents,
  jsonLines,
  mustPass,
  sh,
  testbed,
  until,
  watchContainers,
} from './box.ts';
import { cache, db, site, visible, web, worker } from './expect/docker-visible.ts';

interface Diagnosis {
  status: string;
  cause: { id: string; evidence: string[]; fix: string[] } | null;
  firstFatal: { line: string } | null;
  layers: { name: string; status: string; summary: string }[];
}

/**
 * What each scenario must be diagnosed as: the name given to medic, the cause, a part of the first fatal line.
 * `fix`: a line the fix must hold (a container's fix is docker's, never systemctl's).
 */
/**
 * offline: the cause medic names from what people paste, `docker logs -t` and `docker-compose logs` of the
 * container (the first fatal line as live); null where the logs carry no trace of it (the engine's state,
 * an event, Nginx's side).
 */
const expected: Record<
  string,
  {
    name: string;
    cause?: string;
    fatal?: RegExp;
    check?: RegExp;
    offline?: string | null;
    fix?: RegExp;
    /**
     * The cause of the one incident the watch opens (the diagnosis's by default); null: it opens none, as
     * nothing it asks fails.
     */
    watch?: string | null;
  }
> = {
  docker_missing_module: {
    name: 'web',
    cause: 'missing_dependency',
    fatal: /No module named 'markdown'/,
    check: /^docker\.running$/,
    offline: 'missing_dependency',
  },
  docker_crash_loop: {
    name: 'web',
    cause: 'wrong_entrypoint',
    fatal: /application/,
    check: /^docker\.running$/,
    offline: 'wrong_entrypoint',
  },
  docker_oom_killed: { name: 'web', cause: 'oom_killed', check: /^docker\.memory_headroom$/ },
  docker_env_missing: {
    name: 'web',
    cause: 'missing_env_var',
    fatal: /SECRET_KEY/,
    check: /^docker\.env_required$/,
    offline: 'missing_env_var',
  },
  // web's /health answers 503 without logging why: medic resolves db as the container would, on its networks
  docker_db_unresolvable: {
    name: 'web',
    cause: 'db_unreachable',
    check: /^docker\.names_resolve$/,
    fix: /one network/,
  },
  docker_db_down: { name: 'web', cause: 'db_unreachable', fix: /^docker compose up -d db$/ },
  // compose stop worker: a stop asked for, and web's health answers; the watch opens nothing (diagnose names it)
  docker_worker_down: {
    name: 'web',
    cause: 'worker_down',
    fix: /^docker compose up -d worker$/,
    watch: null,
  },
  docker_upstream_unpublished: {
    name: 'web',
    cause: 'upstream_mismatch',
    check: /^docker\.upstream_published$/,
  },
  docker_healthcheck_failing: {
    name: 'web',
    cause: 'health_check_failing',
    check: /^docker\.healthcheck$/,
  },
  docker_port_allocated: {
    name: 'web',
    cause: 'port_in_use',
    fatal: /already allocated/,
    check: /^docker\.running$/,
  },
  docker_bind_loopback: {
    name: 'web',
    cause: 'wrong_bind_address',
    fatal: /running on http:\/\/127\.0\.0\.1:8000/,
    check: /^docker\.published_reachable$/,
    fix: /0\.0\.0\.0/,
  },
  docker_no_restart_policy: { name: 'web', check: /^docker\.restart_policy$/ },
  docker_volume_unwritable: {
    name: 'web',
    cause: 'file_permission',
    fatal: /PermissionError: \[Errno 13\] Permission denied: '\/app\/logs\/app\.log'/,
    check: /^docker\.volumes_writable$/,
    offline: 'file_permission',
  },
};

interface Checked {
  target: { container: string | null; unit: string | null };
  results: { id: string; status: string; summary: string; fix: string[] }[];
}

function check(name: string): { code: number; report: Checked } {
  const r = inBox('medic', 'check', name, '--format', 'json');
  assert.ok(r.code === 0 || r.code === 1, `medic check ${name} exited ${r.code}: ${r.stderr}`);
  const { services } = JSON.parse(r.stdout) as { services: Checked[] };
  assert.equal(services.length, 1);
  return { code: r.code, report: services[0] as Checked };
}

/** medic diagnose --log on what the engine's logs say of web, as `docker logs -t` and `docker-compose logs` print them. */
function diagnoseLogs(): { how: string; d: Diagnosis }[] {
  mustPass(
    inBox(
      'sh',
      '-c',
      'docker logs -t dockerapp_web_1 > /tmp/docker-logs.txt 2>&1; cd /srv/dockerapp && docker-compose logs --no-color web > /tmp/compose-logs.txt 2>&1',
    ),
    'docker logs',
  );
  return ['/tmp/docker-logs.txt', '/tmp/compose-logs.txt'].map((file) => {
    const r = inBox('medic', 'diagnose', '--log', file, '--format', 'json');
    assert.ok(r.code === 0 || r.code === 1, `medic diagnose --log ${file} exited ${r.code}: ${r.stderr}`);
    return { how: file, d: (JSON.parse(r.stdout) as { services: Diagnosis[] }).services[0] as Diagnosis };
  });
}

function diagnose(name: string): { code: number; d: Diagnosis } {
  const r = inBox('medic', 'diagnose', name, '--format', 'json');
  assert.ok(r.code === 0 || r.code === 1, `medic diagnose ${name} exited ${r.code}: ${r.stderr}`);
  const { services } = JSON.parse(r.stdout) as { services: Diagnosis[] };
  assert.equal(services.length, 1);
  return { code: r.code, d: services[0] as Diagnosis };
}

// The watch that runs through each scenario: its restarts off (docker-watch.test.ts covers them), so that
// nothing it does changes what diagnose and check see.
const SINK = '/tmp/medic-docker-diagnose-alerts.jsonl';
const HTTP_PORT = 9914;
const SMTP_PORT = 2527;
const STORE = '/var/lib/medic/scenario-watch.db';
const WATCH = `watch:
  interval: 1s
  timeout: 2s
  failures: 2
  resolveAfter: 4s
  restart: { enabled: false }
notify:
  webhook: http://127.0.0.1:${HTTP_PORT}/hook
`;
let sink: ChildProcess;

/** The events of the webhook messages sent since message FROM, in the order sent. */
function sent(from: number): { event: string; incident: number }[] {
  return jsonLines<{ via: string; body?: { event?: string; incident?: number } }>(SINK)
    .slice(from)
    .filter((m) => m.via === 'http')
    .map((m) => ({ event: m.body?.event ?? '?', incident: m.body?.incident ?? 0 }));
}

before(() => {
  rmSync(SINK, { force: true });
  sink = spawn(
    process.execPath,
    [`${checkout}test/integration/alert-sink.ts`, SINK, String(HTTP_PORT), String(SMTP_PORT)],
    { stdio: 'inherit' },
  );
  mustPass(testbed('reset'), 'scripts/testbed reset');
});

after(() => {
  sink.kill();
  testbed('reset');
});

test('the healthy compose project: web is healthy, by its service name and by its container name', () => {
  for (const name of ['web', 'dockerapp_web_1']) {
    const { code, d } = diagnose(name);
    assert.equal(d.status, 'healthy', JSON.stringify(d.layers));
    assert.equal(d.cause, null);
    assert.equal(code, 0);
  }
});

test('the healthy compose project: every docker. check of web passes', () => {
  const { code, report } = check('web');
  assert.equal(report.target.container, 'dockerapp_web_1');
  assert.equal(report.target.unit, null);
  const ids = report.results.map((r) => r.id);
  for (const id of [
    'docker.running',
    'docker.restart_policy',
    'docker.healthcheck',
    'docker.published_reachable',
    'docker.upstream_published',
    'docker.names_resolve',
    'docker.memory_headroom',
    'docker.migrations_applied',
  ])
    assert.ok(ids.includes(id), id);
  const bad = report.results.filter((r) => r.status === 'fail' || r.status === 'warn');
  assert.deepEqual(bad, []);
  assert.equal(code, 0);
});

test("the schema: at the image's head; a database without alembic_version fails, and the fix given heals it", () => {
  const migrations = () => check('web').report.results.find((r) => r.id === 'docker.migrations_applied');
  assert.match(migrations()?.summary ?? '', /^at head 0001$/);
  // the db volume's schema lost its record, as when the volume is recreated and only the app's own CREATE ran
  mustPass(
    sh(
      `docker exec -e PGPASSWORD="$(sed -n 's/^POSTGRES_PASSWORD=//p' /srv/dockerapp/.env)" dockerapp_db_1 psql -h 127.0.0.1 -U dockerapp -d dockerapp -qc 'DROP TABLE alembic_version'`,
    ),
    'drop alembic_version',
  );
  const lost = migrations();
  assert.equal(lost?.status, 'fail', lost?.summary);
  assert.match(lost?.summary ?? '', /no alembic_version table/);
  assert.deepEqual(lost?.fix, ['docker compose exec web python3 -m alembic upgrade head']);
  // the fix as a user runs it with Debian's compose (v1: exec -T without a terminal)
  mustPass(sh('cd /srv/dockerapp && docker-compose exec -T web python3 -m alembic upgrade head'), 'the fix');
  assert.equal(migrations()?.status, 'pass');
});

test('medic init finds the compose project beside the units; medic check reads its containers back', () => {
  const yaml = mustPass(inBox('medic', 'init', '--stdout'), 'medic init --stdout').stdout;
  assert.match(yaml, /^containers:$/m);
  for (const service of ['web', 'worker', 'db', 'cache'])
    assert.match(
      yaml,
      new RegExp(`^  ${service}:\\n(?:    .*\\n)*?    container: dockerapp_${service}_1$`, 'm'),
      service,
    );
  assert.match(yaml, /publishes:\n\s+- 127\.0\.0\.1:8030/);
  assert.match(yaml, /project: dockerapp\n\s+workdir: \/srv\/dockerapp/);
  assert.match(yaml, /^services:$/m, 'the systemd apps are still there');
  // medic.yaml with the containers only: medic check runs the docker. checks of each
  const containersOnly = yaml.slice(yaml.indexOf('containers:')).split(/^check:/m)[0] ?? '';
  mustPass(
    inBox('sh', '-c', `printf 'version: 1\n%s' "$1" > /tmp/medic-docker.yaml`, 'sh', containersOnly),
    'write medic.yaml',
  );
  const r = inBox('medic', 'check', '-c', '/tmp/medic-docker.yaml', '--format', 'json');
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  const { services } = JSON.parse(r.stdout) as { services: Checked[] };
  assert.deepEqual(services.map((x) => x.target.container).sort(), [
    'dockerapp_cache_1',
    'dockerapp_db_1',
    'dockerapp_web_1',
    'dockerapp_worker_1',
  ]);
  for (const x of services) {
    assert.ok(x.results.every((c) => c.id.startsWith('docker.')));
    assert.deepEqual(
      x.results.filter((c) => c.status === 'fail'),
      [],
      `${x.target.container}: nothing fails on the healthy project`,
    );
  }
});

test('a name that is neither a unit nor a container: one line that lists the containers, exit 2', () => {
  const r = inBox('medic', 'diagnose', 'no-such-app');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^medic: no systemd unit named no-such-app\.service .*dockerapp_web_1/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

for (const [scenario, e] of Object.entries(expected)) {
  test(`${scenario}: ${e.name} is diagnosed as ${e.cause ?? '(not yet)'} and fails ${e.check ?? '(no docker. check)'}`, async (t) => {
    watchContainers('medic-scenario-watch', STORE, WATCH);
    const from = jsonLines(SINK).length;
    mustPass(testbed('scenario', 'apply', scenario), `scenario apply ${scenario}`);
    try {
      const shows = visible[scenario];
      assert.ok(shows, `what Docker shows of ${scenario}`);
      // todo: docker_worker_down's tasks did not queue on a fresh machine's first boot (CI, 2026-12-01)
      await t.test(
        'Docker shows the breakage',
        scenario === 'docker_worker_down' ? { todo: 'tasks did not queue on a fresh boot' } : {},
        () => eventually(shows),
      );
      if (e.cause) {
        const { code, d } = diagnose(e.name);
        const seen = `${d.cause?.id}: ${d.firstFatal?.line}\n${JSON.stringify(d.layers.filter((l) => l.status !== 'unknown'))}`;
        assert.equal(code, 1);
        assert.equal(d.cause?.id, e.cause, seen);
        if (e.fatal) assert.match(d.firstFatal?.line ?? '', e.fatal, seen);
        const fix = d.cause?.fix ?? [];
        assert.ok(
          !fix.some((f) => /systemctl .*dockerapp_|\.venv\/|\/srv\/APP/.test(f)),
          `a container's fix is docker's: ${fix.join(' | ')}`,
        );
        if (e.fix)
          assert.ok(
            fix.some((f) => e.fix?.test(f)),
            `${e.fix} in ${fix.join(' | ')}`,
          );
      }
      if (e.offline !== undefined) {
        for (const { how, d } of diagnoseLogs()) {
          assert.equal(d.cause?.id ?? null, e.offline, `${how}: ${d.cause?.id}: ${d.firstFatal?.line}`);
          if (e.fatal && e.offline) assert.match(d.firstFatal?.line ?? '', e.fatal, how);
        }
      }
      if (e.check) {
        const { code, report } = check(e.name);
        const failed = report.results.filter((r) => r.status === 'fail');
        const seen = JSON.stringify(failed);
        assert.equal(code, 1, seen);
        assert.ok(
          failed.some((r) => e.check?.test(r.id)),
          `${e.check} fails: ${seen}`,
        );
      }
      // the watch that ran meanwhile: one incident, named as diagnose names it, and one page about it
      const cause = e.watch === undefined ? e.cause : e.watch;
      if (cause) {
        const incident = await until(
          `the watch's incident named ${cause}`,
          () => incidents(STORE).find((i) => i.causeId === cause),
          90,
        ).catch((error: Error) => {
          const seen = incidents(STORE).map((i) => `${i.service}: ${i.trigger} ${i.causeId}`);
          throw new Error(`${error.message}; the watch has: ${seen.join(', ') || 'no incident'}`);
        });
        await until('its opened message', () => sent(from).some((m) => m.event === 'incident.opened'), 30);
        await sleep(2000);
        const all = incidents(STORE);
        assert.deepEqual(
          all.map((i) => `${i.service}: ${i.trigger} ${i.causeId}`),
          [`${incident.service}: ${incident.trigger} ${cause}`],
          'one incident',
        );
        assert.equal(incident.service, e.name);
        assert.deepEqual(
          sent(from).filter((m) => m.event === 'incident.opened'),
          [{ event: 'incident.opened', incident: incident.id }],
          'one page',
        );
      } else assert.deepEqual(incidents(STORE), [], 'nothing failed: no incident');
    } finally {
      mustPass(testbed('reset'), 'scripts/testbed reset');
    }
    // the reset heals it: the recipe's containers, none restarted or OOM-killed, the site answering
    assertHealthy();
    for (const name of [web, worker, db, cache]) assert.equal(container(name).RestartCount, 0, name);
    assert.equal(container(web).State.OOMKilled, false);
    assert.equal(httpStatus(`${site}/health`), '200');
  });
}
