// medic init and medic check on the testbed: init finds each app as it really is, check passes on the
// healthy box, and every check fails on a scenario that breaks what it checks.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { inBox, mustPass, testbed } from './box.ts';

interface Result {
  id: string;
  layer: string;
  status: 'pass' | 'warn' | 'fail' | 'skip';
  summary: string;
  evidence: string[];
  fix: string[];
  ms: number;
}
interface Report {
  target: { service: string; binds: string[]; serverName: string | null };
  results: Result[];
  summary: Record<string, number>;
}

function check(...args: string[]): { code: number; report: Report } {
  const r = inBox('medic', '--format', 'json', 'check', ...args);
  assert.ok(r.code === 0 || r.code === 1, `medic check ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return { code: r.code, report: JSON.parse(r.stdout) as Report };
}

const show = (rs: Result[]) => rs.map((r) => `${r.id}: ${r.status}: ${r.summary}`).join('\n');

// The scenario that breaks each check, and the app it breaks.
const failures: Record<string, { app: string; checks: string[] }> = {
  exec_missing: { app: 'fastapi', checks: ['unit.exec_exists', 'unit.active', 'net.app_listening'] },
  workdir_missing: { app: 'djangoapp', checks: ['unit.workdir_exists'] },
  user_missing: { app: 'flaskapp', checks: ['unit.user_exists'] },
  envfile_missing: { app: 'djangoapp', checks: ['unit.envfile_readable'] },
  restart_policy_off: { app: 'flaskapp', checks: ['unit.restart_policy'] },
  unit_disabled: { app: 'fastapi', checks: ['unit.enabled_on_boot'] },
  missing_env_var: { app: 'flaskapp', checks: ['env.required_present', 'app.importable'] },
  malformed_env_value: { app: 'flaskapp', checks: ['env.urls_parse'] },
  default_secret: { app: 'flaskapp', checks: ['env.secrets_not_default'] },
  python_version_mismatch: { app: 'fastapi', checks: ['runtime.python_version'] },
  venv_copied: { app: 'flaskapp', checks: ['runtime.venv_matches_exec'] },
  missing_dependency: { app: 'flaskapp', checks: ['deps.installed', 'app.importable'] },
  django_debug_on: { app: 'djangoapp', checks: ['django.check_deploy'] },
  disallowed_host: { app: 'djangoapp', checks: ['django.allowed_hosts_match'] },
  flask_debug_on: { app: 'flaskapp', checks: ['flask.debug_off'] },
  postgres_stopped: { app: 'flaskapp', checks: ['db.reachable'] },
  db_wrong_password: { app: 'fastapi', checks: ['db.auth'] },
  migrations_not_applied: { app: 'fastapi', checks: ['db.migrations_applied'] },
  django_migrations_not_applied: { app: 'djangoapp', checks: ['db.migrations_applied'] },
  redis_stopped: { app: 'flaskapp', checks: ['cache.redis_reachable'] },
  upload_dir_unwritable: { app: 'flaskapp', checks: ['fs.writable_paths'] },
  socket_dir_missing: { app: 'flaskapp', checks: ['fs.socket_dir'] },
  static_root_empty: { app: 'djangoapp', checks: ['fs.static_root_exists', 'nginx.static_alias_exists'] },
  disk_full: { app: 'flaskapp', checks: ['host.disk_free'] },
  memory_limit_tight: { app: 'fastapi', checks: ['host.memory_headroom'] },
  oom_kill: { app: 'fastapi', checks: ['host.recent_oom'] },
  bind_public: { app: 'djangoapp', checks: ['net.bind_address', 'firewall.public_ports'] },
  port_in_use: { app: 'fastapi', checks: ['net.port_conflict'] },
  nginx_config_invalid: { app: 'flaskapp', checks: ['nginx.config_valid'] },
  bind_port_mismatch: { app: 'fastapi', checks: ['nginx.upstream_matches_bind'] },
  socket_permission: { app: 'flaskapp', checks: ['nginx.socket_permission'] },
  static_alias_missing: { app: 'flaskapp', checks: ['nginx.static_alias_exists'] },
  proxy_headers_missing: { app: 'fastapi', checks: ['nginx.proxy_headers'] },
  tls_certificate_expired: { app: 'fastapi', checks: ['tls.certificate_valid'] },
  dns_wrong_address: { app: 'djangoapp', checks: ['dns.resolves_here'] },
  health_db_down: { app: 'djangoapp', checks: ['health.endpoint_ok'] },
  health_behind_auth: { app: 'flaskapp', checks: ['health.endpoint_lightweight'] },
  celery_worker_down: { app: 'djangoapp', checks: ['workers.running'] },
};

before(() => {
  mustPass(testbed('reset'), 'scripts/testbed reset');
});

after(() => {
  testbed('reset');
});

test('every check has a failing scenario', () => {
  const catalog = JSON.parse(
    mustPass(inBox('medic', '--format', 'json', 'check', '--list'), 'check --list').stdout,
  ) as {
    id: string;
  }[];
  const covered = new Set(Object.values(failures).flatMap((f) => f.checks));
  assert.deepEqual(
    catalog.map((c) => c.id).filter((id) => !covered.has(id)),
    [],
  );
});

test('a healthy box: nothing fails, and every check passes for at least one app', () => {
  const { code, report } = (() => {
    const r = inBox('medic', '--format', 'json', 'check');
    return { code: r.code, report: JSON.parse(r.stdout) as Report[] };
  })();
  assert.equal(report.length, 3);
  const failed = report.flatMap((r) => r.results.filter((x) => x.status === 'fail'));
  assert.deepEqual(failed, [], show(failed));
  assert.equal(code, 0);
  const passed = new Set(
    report.flatMap((r) => r.results.filter((x) => x.status === 'pass').map((x) => x.id)),
  );
  const all = report[0]?.results.map((x) => x.id) ?? [];
  assert.deepEqual(
    all.filter((id) => !passed.has(id)),
    [],
    show(report.flatMap((r) => r.results.filter((x) => !passed.has(x.id)))),
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
    return { code: x.code, report: JSON.parse(x.stdout) as Report[] };
  })();
  assert.equal(code, 0, show(report.flatMap((x) => x.results.filter((y) => y.status === 'fail'))));
  assert.equal(report.length, 3);
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

for (const [scenario, { app, checks }] of Object.entries(failures)) {
  test(`${scenario}: ${checks.join(', ')} fail for ${app}`, () => {
    mustPass(testbed('scenario', 'apply', scenario), `scenario apply ${scenario}`);
    try {
      const { code, report } = check(app);
      assert.equal(code, 1);
      const got = report.results.filter((r) => checks.includes(r.id));
      assert.deepEqual(
        got.map((r) => [r.id, r.status]).sort(),
        checks.map((id) => [id, 'fail']).sort(),
        show(report.results.filter((r) => r.status !== 'pass')),
      );
      for (const r of got) assert.ok(r.fix.length > 0, `${r.id} names a fix`);
    } finally {
      mustPass(testbed('reset'), 'reset');
    }
  });
}
