// The docker. checks' verdicts on the Engine API's real answers: `docker inspect` of the testbed's compose
// project (Docker 20.10), healthy and under each Docker scenario (test/fixtures/docker, captured with
// `scripts/testbed exec -- docker inspect ...`), and the near misses one changed field away.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { ContainerInspect } from '../../src/host/docker.ts';
import { check as running } from '../../src/checks/docker/running.ts';
import { check as restartPolicy } from '../../src/checks/docker/restart_policy.ts';
import { check as healthcheck } from '../../src/checks/docker/healthcheck.ts';
import { check as namesResolve, namesInEnv } from '../../src/checks/docker/names_resolve.ts';
import { check as memoryHeadroom } from '../../src/checks/docker/memory_headroom.ts';
import { check as publishedReachable } from '../../src/checks/docker/published_reachable.ts';
import { check as upstreamPublished } from '../../src/checks/docker/upstream_published.ts';
import { answering, publishedBinds } from '../../src/checks/docker/context.ts';
import { check as servicesReachable } from '../../src/checks/docker/services_reachable.ts';
import { check as appImportable } from '../../src/checks/docker/app_importable.ts';

const inspected = (name: string): ContainerInspect[] =>
  JSON.parse(
    readFileSync(new URL(`../fixtures/docker/${name}.inspect.json`, import.meta.url), 'utf8'),
  ) as ContainerInspect[];
const one = (name: string, container = 'dockerapp_web_1'): ContainerInspect => {
  const c = inspected(name).find((x) => x.Name === `/${container}`);
  assert.ok(c, `${container} in ${name}`);
  return structuredClone(c);
};

const later = (c: ContainerInspect, seconds: number) =>
  new Date(Date.parse(c.State.StartedAt) + seconds * 1000).toISOString();

test('a healthy web: it runs, restarts unless stopped, passes its HEALTHCHECK', () => {
  const web = one('healthy');
  assert.equal(running.judge({ container: web, now: later(web, 600) }).status, 'pass');
  assert.deepEqual(restartPolicy.judge({ container: web }), {
    status: 'pass',
    summary: 'restart: unless-stopped',
    evidence: [],
  });
  const h = healthcheck.judge({ container: web });
  assert.equal(h.status, 'pass');
  assert.match(h.summary, /^healthy: /);
});

test('near miss: the same container without a restart policy fails, and the fix is in compose', () => {
  const web = one('healthy');
  web.HostConfig.RestartPolicy = { Name: 'no', MaximumRetryCount: 0 };
  const v = restartPolicy.judge({ container: web });
  assert.equal(v.status, 'fail');
  assert.ok(v.fix?.some((f) => f.includes('services.web') && f.includes('restart: unless-stopped')));
});

test('a container with no HEALTHCHECK warns; one whose probe fails while it runs fails, with the output', () => {
  const worker = one('healthy', 'dockerapp_worker_1');
  if (!worker.Config.Healthcheck?.Test?.length)
    assert.equal(healthcheck.judge({ container: worker }).status, 'warn');
  const sick = one('healthcheck_failing');
  const v = healthcheck.judge({ container: sick });
  assert.equal(v.status, 'fail');
  assert.match(v.summary, /unhealthy .* while its process runs/);
  assert.ok(
    v.evidence?.some((e) => /^last probe: exit [1-9]/.test(e) && /8080/.test(e)),
    JSON.stringify(v.evidence),
  );
  assert.equal(
    running.judge({ container: sick, now: later(sick, 600) }).status,
    'pass',
    'the process itself runs',
  );
});

test('the host port already allocated: the container did not start, the error says why', () => {
  const c = one('port_allocated');
  const v = running.judge({ container: c, now: c.State.FinishedAt });
  assert.equal(v.status, 'fail');
  assert.match(v.summary, /port is already allocated/);
  assert.ok(
    v.fix?.some((f) => f.includes("grep -F '8030'")),
    JSON.stringify(v.fix),
  );
});

test('a crash loop under restart: unless-stopped, caught running between two crashes, fails', () => {
  // captured running, 2 restarts: Docker starts it again and again
  const c = one('crash_loop');
  assert.equal(c.State.Running, true);
  const v = running.judge({ container: c, now: later(c, 5) });
  assert.equal(v.status, 'fail');
  assert.match(v.summary, /crash loop: up 5 s after 2 restarts/);
  // near miss: the same container up for ten minutes since its last restart is recovered, with a warning
  assert.equal(running.judge({ container: c, now: later(c, 600) }).status, 'warn');
  // and caught exited, between two starts
  c.State = { ...c.State, Running: false, Status: 'exited', ExitCode: 1 };
  assert.match(
    running.judge({ container: c, now: later(c, 5) }).summary,
    /exited \(exit code 1\), 2 restarts/,
  );
});

test('an OOM kill fails the memory check, from the flag or from the engine event after a restart cleared it', () => {
  const web = one('oom_killed');
  const limit = web.HostConfig.Memory ?? 0;
  assert.equal(limit, 150 * 1024 * 1024);
  const v = memoryHeadroom.judge({
    container: web,
    usage: 60 * 1024 * 1024,
    oomAt: '2026-12-02T01:00:00.000Z',
  });
  assert.equal(v.status, 'fail');
  assert.match(v.summary, /OOM-killed .* under its 150 MB limit/);
  web.State.OOMKilled = false;
  assert.equal(
    memoryHeadroom.judge({ container: web, usage: 60 * 1024 * 1024, oomAt: '2026-12-02T01:00:00.000Z' })
      .status,
    'fail',
  );
  // near misses: the same limit, no OOM, with room or nearly full
  assert.equal(memoryHeadroom.judge({ container: web, usage: 60 * 1024 * 1024, oomAt: null }).status, 'pass');
  assert.equal(
    memoryHeadroom.judge({ container: web, usage: 140 * 1024 * 1024, oomAt: null }).status,
    'warn',
  );
});

test('db on a network web is not on: the name in DATABASE_URL cannot resolve, and medic says where db is', () => {
  const all = inspected('db_unresolvable');
  const web = all.find((c) => c.Name === '/dockerapp_web_1');
  assert.ok(web);
  const v = namesResolve.judge({ container: web, siblings: all.filter((c) => c !== web) });
  assert.equal(v.status, 'fail');
  assert.match(v.summary, /\bdb\b/);
  assert.ok(
    v.evidence?.some((e) =>
      /DATABASE_URL names db: dockerapp_db_1 is on dockerapp_data, dockerapp_web_1 on dockerapp_backend/.test(
        e,
      ),
    ),
    JSON.stringify(v.evidence),
  );
  // near miss: the healthy project, every name on one network
  const healthy = inspected('healthy');
  const hweb = healthy.find((c) => c.Name === '/dockerapp_web_1');
  assert.ok(hweb);
  assert.equal(
    namesResolve.judge({ container: hweb, siblings: healthy.filter((c) => c !== hweb) }).status,
    'pass',
  );
});

test('the names an env points at: bare service names only, never a domain, an address or localhost', () => {
  assert.deepEqual(
    namesInEnv([
      'DATABASE_URL=postgresql://app:s3cret@db:5432/app',
      'REDIS_URL=redis://cache:6379/0',
      'CELERY_BROKER_URL=redis://cache:6379/1',
      'SENTRY_DSN=https://key@o1.ingest.sentry.io/1',
      'MAIL_URL=smtp://localhost:25',
      'API_URL=http://10.0.0.5:8080/',
      'SEARCH_HOST=opensearch',
      'PATH=/usr/local/bin:/usr/bin',
    ]),
    [
      { variable: 'DATABASE_URL', name: 'db' },
      { variable: 'REDIS_URL', name: 'cache' },
      { variable: 'SEARCH_HOST', name: 'opensearch' },
    ],
  );
});

test("the app bound to the container's loopback: its published port hangs up, and the check says where to look", () => {
  const web = one('bind_loopback');
  const ports = publishedBinds(web).map((bind) => ({ bind, result: 'hung up' as const }));
  assert.deepEqual(
    ports.map((p) => p.bind),
    [{ kind: 'tcp', host: '127.0.0.1', port: 8030 }],
  );
  const v = publishedReachable.judge({ name: 'dockerapp_web_1', running: web.State.Running, ports });
  assert.equal(v.status, 'fail');
  assert.match(v.summary, /127\.0\.0\.1:8030: hung up/);
  assert.ok(v.fix?.some((f) => /0\.0\.0\.0/.test(f)));
  // near misses: the port answers; the container is not running
  assert.equal(
    publishedReachable.judge({
      name: 'w',
      running: true,
      ports: ports.map((p) => ({ ...p, result: 'ok' as const })),
    }).status,
    'pass',
  );
  assert.equal(publishedReachable.judge({ name: 'w', running: false, ports }).status, 'skip');
});

test("Nginx's upstream against the published ports: another port fails, the published one passes", () => {
  const published = publishedBinds(one('healthy'));
  const site = (port: number) => ({
    file: '/etc/nginx/sites-enabled/dockerapp',
    target: { kind: 'tcp' as const, host: '127.0.0.1', port },
  });
  const v = upstreamPublished.judge({ name: 'dockerapp_web_1', published, site: site(8031) });
  assert.equal(v.status, 'fail');
  assert.match(v.summary, /proxies to 127\.0\.0\.1:8031; dockerapp_web_1 publishes 127\.0\.0\.1:8030/);
  assert.equal(
    upstreamPublished.judge({ name: 'dockerapp_web_1', published, site: site(8030) }).status,
    'pass',
  );
  assert.equal(upstreamPublished.judge({ name: 'dockerapp_web_1', published, site: null }).status, 'skip');
});

test("who answers to db: a running container on a shared network, as Docker's DNS answers", () => {
  const project = inspected('healthy');
  const web = one('healthy');
  const siblings = project.filter((x) => x.Name !== '/dockerapp_web_1');
  const db = answering(web, siblings, 'db');
  assert.ok('address' in db, JSON.stringify(db));
  assert.equal(db.container, 'dockerapp_db_1');
  assert.equal(db.service, 'db');
  assert.match(db.address, /^\d+\.\d+\.\d+\.\d+$/);
  // the db container stopped: its name resolves for nobody, and medic says which container it was
  const stopped = siblings.map((x) =>
    x.Name === '/dockerapp_db_1'
      ? { ...x, State: { ...x.State, Running: false, Status: 'exited', ExitCode: 0 } }
      : x,
  );
  const down = answering(web, stopped, 'db');
  assert.ok('result' in down);
  assert.equal(down.result, 'not_found_host');
  assert.equal(down.service, 'db');
  assert.match(down.message, /dockerapp_db_1, which is exited/);
  // db moved to a network web is not on: no container on web's networks answers to it
  const moved = inspected('db_unresolvable');
  const far = answering(
    moved.find((x) => x.Name === '/dockerapp_web_1')!,
    moved.filter((x) => x.Name !== '/dockerapp_web_1'),
    'db',
  );
  assert.ok('result' in far);
  assert.equal(far.result, 'not_found_host');
  assert.match(far.message, /db does not resolve on dockerapp_backend/);
  assert.equal(answering(web, siblings, 'cache').container, 'dockerapp_cache_1');
});

test('the services its env names: one down fails with the compose commands that start it', () => {
  const ok = {
    result: 'ok',
    message: 'db is dockerapp_db_1 at 172.18.0.2:5432',
    container: 'dockerapp_db_1',
    service: 'db',
  };
  const reached = [
    { kind: 'database' as const, url: 'postgresql://app:***@db:5432/app', to: 'db:5432', reach: ok },
    {
      kind: 'cache' as const,
      url: 'redis://cache:6379/0',
      to: 'cache:6379',
      reach: {
        result: 'refused',
        message: 'cache is dockerapp_cache_1: connection refused',
        container: 'dockerapp_cache_1',
        service: 'cache',
      },
    },
  ];
  const v = servicesReachable.judge({ name: 'dockerapp_web_1', service: 'web', reached });
  assert.equal(v.status, 'fail');
  assert.equal(v.summary, 'Redis cache:6379: refused');
  assert.deepEqual(v.fix, [
    'docker compose ps -a cache',
    'docker compose logs --tail 50 cache',
    'docker compose up -d cache',
  ]);
  assert.equal(servicesReachable.judge({ name: 'w', service: 'web', reached: [reached[0]!] }).status, 'pass');
  assert.equal(servicesReachable.judge({ name: 'w', service: 'web', reached: [] }).status, 'skip');
});

test("the app imported in the container: a failed import fails with its last frames; a stopped one is the logs' to tell", () => {
  const failed = appImportable.judge({
    name: 'dockerapp_web_1',
    running: true,
    service: 'web',
    module: 'app.main:app',
    app: {
      ok: false,
      error: "ModuleNotFoundError: No module named 'markdown'",
      traceback:
        'Traceback (most recent call last):\n  File "<string>", line 1, in <module>\n  File "/usr/lib/python3.11/importlib/__init__.py", line 126, in import_module\n  File "/app/app/main.py", line 7, in <module>\n    import markdown\nModuleNotFoundError: No module named \'markdown\'\n',
    },
  });
  assert.equal(failed.status, 'fail');
  assert.match(failed.summary, /importing app\.main:app in dockerapp_web_1 fails: ModuleNotFoundError/);
  assert.deepEqual(failed.evidence, [
    'File "<string>", line 1, in <module>',
    'File "/app/app/main.py", line 7, in <module>',
  ]);
  assert.equal(failed.fix?.[0], "docker exec dockerapp_web_1 python3 -c 'import app.main'   # reproduce");
  const base = { name: 'w', running: true, service: 'web', module: 'app.main:app' };
  assert.equal(
    appImportable.judge({ ...base, app: { ok: true, object: 'FastAPI', importMs: 420 } }).status,
    'pass',
  );
  assert.equal(appImportable.judge({ ...base, running: false, app: null }).status, 'skip');
  assert.equal(appImportable.judge({ ...base, module: null, app: null }).status, 'skip');
});
