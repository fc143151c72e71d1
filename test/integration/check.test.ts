// medic init and medic check on the testbed: init finds each app as it really is, check passes on the
// healthy box, and every check fails on a scenario that breaks what it checks.
// (Each scenario's failing checks are asserted in scenarios.test.ts, on the one application of it.)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { inBox, mustPass, sh, testbed, until } from './box.ts';
import { checkFailures, type Report, showResults } from './expect/check.ts';

before(() => {
  mustPass(testbed('reset'), 'scripts/testbed reset');
});

after(() => {
  testbed('reset');
});

test('every check has a failing scenario', () => {
  const { checks: catalog } = JSON.parse(
    mustPass(inBox('medic', '--format', 'json', 'check', '--list'), 'check --list').stdout,
  ) as { checks: { id: string }[] };
  const covered = new Set(Object.values(checkFailures).flatMap((f) => f.checks));
  // (the docker. checks of a container fail under the Docker scenarios: docker-diagnose.test.ts)
  assert.deepEqual(
    catalog.map((c) => c.id).filter((id) => !id.startsWith('docker.') && !covered.has(id)),
    [],
  );
});

test('a healthy box: nothing fails, and every check passes for at least one app', () => {
  const { code, report } = (() => {
    const r = inBox('medic', '--format', 'json', 'check');
    return { code: r.code, report: (JSON.parse(r.stdout) as { services: Report[] }).services };
  })();
  assert.equal(report.length, 3);
  const failed = report.flatMap((r) => r.results.filter((x) => x.status === 'fail'));
  assert.deepEqual(failed, [], showResults(failed));
  assert.equal(code, 0);
  const passed = new Set(
    report.flatMap((r) => r.results.filter((x) => x.status === 'pass').map((x) => x.id)),
  );
  const all = report[0]?.results.map((x) => x.id) ?? [];
  assert.deepEqual(
    all.filter((id) => !passed.has(id)),
    [],
    showResults(report.flatMap((r) => r.results.filter((x) => !passed.has(x.id)))),
  );
  // Secrets never leave: no value of the env files appears in any output format.
  for (const format of ['json', 'text', 'markdown', 'junit', 'tap']) {
    const out = inBox('medic', '--format', format, 'check').stdout;
    for (const secret of [
      'Fl4sk-DB-pw-71',
      'F4stAPI-DB-pw-52',
      'Dj4ngo-DB-pw-33',
      'sk_live_51MedicTestbedFlask',
    ])
      assert.ok(!out.includes(secret), `${format} output shows a secret`);
  }
});

test('a healthy box under load: with both cores busy, 12 runs of check find nothing failing, and each ends', async () => {
  // Two busy loops on the host hold both cores the whole time, as a busy 2-core server's own work would.
  const loops = [1, 2].map(() => spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' }));
  const medicSessions = () =>
    sh(
      'runuser -u postgres -- psql -Atc "select count(*) from pg_stat_activity where application_name = \'medic\'"',
    ).stdout.trim();
  try {
    const failures: string[] = [];
    for (let i = 1; i <= 12; i++) {
      const t0 = Date.now();
      const r = inBox('medic', '--format', 'json', 'check');
      const seconds = (Date.now() - t0) / 1000;
      const report = (JSON.parse(r.stdout) as { services: Report[] }).services;
      const failed = report.flatMap((x) => x.results.filter((y) => y.status === 'fail'));
      if (r.code !== 0 || failed.length > 0)
        failures.push(`run ${i} (exit ${r.code}):\n${showResults(failed)}`);
      // The longest a check may take is its deadline (20 s); the command ends soon after its last check.
      assert.ok(seconds < 40, `run ${i} took ${seconds.toFixed(1)} s`);
    }
    assert.deepEqual(failures, []);
    // medic's probes left no session behind (a backend ends a moment after its client left, later on a busy
    // server: a session still there after 10 s is one medic kept).
    await until("medic's PostgreSQL sessions to end", () => medicSessions() === '0', 10);
  } finally {
    for (const l of loops) l.kill('SIGKILL');
  }
});

test('medic init writes a medic.yaml with the real binds, names, certificates and env files, and check accepts it', () => {
  const r = mustPass(inBox('medic', 'init', '--stdout'), 'medic init --stdout');
  const yaml = parse(r.stdout) as {
    services: Record<
      string,
      Record<string, unknown> & {
        server: { binds: string[]; kind: string };
        nginx: { serverNames: string[]; certificate: string | null; site: string; upstream: string[] };
        envFiles: string[];
        health: { url: string };
        workers: string[];
        project: { framework: string; migrations: string | null };
      }
    >;
  };
  const s = yaml.services;
  assert.deepEqual(Object.keys(s).sort(), ['djangoapp', 'fastapi', 'flaskapp']);
  assert.deepEqual(s.flaskapp?.server.binds, ['unix:/run/flaskapp/gunicorn.sock']);
  assert.deepEqual(s.flaskapp?.nginx.upstream, ['unix:/run/flaskapp/gunicorn.sock']);
  assert.deepEqual(s.fastapi?.server.binds, ['127.0.0.1:8000']);
  assert.equal(s.fastapi?.server.kind, 'uvicorn');
  assert.deepEqual(s.djangoapp?.server.binds, ['127.0.0.1:8001']);
  assert.deepEqual(s.flaskapp?.nginx.serverNames, ['flask.medic.test']);
  assert.deepEqual(s.fastapi?.nginx.serverNames, ['fastapi.medic.test']);
  assert.equal(s.fastapi?.nginx.certificate, '/etc/ssl/medic-testbed/fastapi.medic.test.crt');
  assert.equal(s.flaskapp?.nginx.certificate, null);
  assert.deepEqual(s.djangoapp?.envFiles, ['/srv/djangoapp/.env']);
  assert.equal(s.flaskapp?.health.url, 'http://flask.medic.test/health');
  assert.equal(s.fastapi?.health.url, 'https://fastapi.medic.test/health');
  assert.deepEqual(s.djangoapp?.workers, ['djangoapp-celery.service']);
  assert.equal(s.djangoapp?.project.framework, 'django');
  assert.equal(s.fastapi?.project.framework, 'fastapi');
  assert.match(s.fastapi?.project.migrations ?? '', /^alembic/);
  assert.ok(!r.stdout.includes('Fl4sk-DB-pw-71'), 'no secret values in medic.yaml');
  assert.match(r.stdout, /^# medic\.yaml/m);

  mustPass(inBox('medic', 'init', '-c', '/root/medic.yaml'), 'medic init');
  const again = inBox('medic', 'init', '-c', '/root/medic.yaml');
  assert.equal(again.code, 2, 'init does not overwrite without --force');
  assert.match(again.stderr, /exists: use --force/);
  const { code, report } = (() => {
    const x = inBox('medic', '--format', 'json', 'check', '-c', '/root/medic.yaml');
    return { code: x.code, report: (JSON.parse(x.stdout) as { services: Report[] }).services };
  })();
  assert.equal(code, 0, showResults(report.flatMap((x) => x.results.filter((y) => y.status === 'fail'))));
  // the three app units, and the compose project's four containers (the box is a Docker host too)
  assert.equal(report.filter((x) => x.target.unit).length, 3);
  assert.equal(report.filter((x) => x.target.container).length, 4);
  const bad = mustPass(
    inBox('bash', '-c', 'printf "version: 2\\nservices: {}\\n" > /root/bad.yaml'),
    'write',
  );
  assert.ok(bad);
  const refused = inBox('medic', 'check', '-c', '/root/bad.yaml');
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /^medic: \/root\/bad\.yaml:1: version: must be 1/);
  assert.equal(refused.stderr.trim().split('\n').length, 1);
});

test('junit and tap output for CI', () => {
  const junit = inBox('medic', '--format', 'junit', 'check', 'flaskapp');
  assert.equal(junit.code, 0);
  assert.match(junit.stdout, /^<\?xml version="1.0"/);
  assert.match(junit.stdout, /<testcase classname="flaskapp\.proxy" name="nginx\.config_valid"/);
  const tap = inBox('medic', '--format', 'tap', 'check', 'flaskapp', '--only', 'nginx');
  assert.match(tap.stdout, /^TAP version 14\n1\.\.5\n/);
  const unknown = inBox('medic', 'check', 'flaskapp', '--only', 'nginx.nope');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no check named nginx\.nope/);
});
