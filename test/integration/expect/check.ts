// What medic check must report for each testbed scenario: the checks it breaks fail, each with a fix.
import assert from 'node:assert/strict';
import { inBox } from '../box.ts';

export interface Result {
  id: string;
  layer: string;
  status: 'pass' | 'warn' | 'fail' | 'skip';
  summary: string;
  evidence: string[];
  fix: string[];
  ms: number;
}
export interface Report {
  target: {
    service: string;
    unit: string | null;
    container: string | null;
    binds: string[];
    serverName: string | null;
  };
  results: Result[];
  summary: Record<string, number>;
}

export function check(...args: string[]): { code: number; report: Report } {
  const r = inBox('medic', '--format', 'json', 'check', ...args);
  assert.ok(r.code === 0 || r.code === 1, `medic check ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  const { services } = JSON.parse(r.stdout) as { services: Report[] };
  assert.equal(services.length, 1, `medic check ${args.join(' ')}: one service`);
  return { code: r.code, report: services[0] as Report };
}

export const showResults = (rs: Result[]) => rs.map((r) => `${r.id}: ${r.status}: ${r.summary}`).join('\n');

// The scenario that breaks each check, and the app it breaks.
export const checkFailures: Record<string, { app: string; checks: string[] }> = {
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
  db_connections_exhausted: { app: 'flaskapp', checks: ['db.connections_headroom'] },
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

/** Runs medic check on the app the scenario NAME breaks, applied to the box. */
export function checkScenario(name: string): void {
  const expected = checkFailures[name];
  assert.ok(expected, `no check expectation for ${name}`);
  const { app, checks } = expected;
  const { code, report } = check(app);
  assert.equal(code, 1);
  const got = report.results.filter((r) => checks.includes(r.id));
  assert.deepEqual(
    got.map((r) => [r.id, r.status]).sort(),
    checks.map((id) => [id, 'fail']).sort(),
    showResults(report.results.filter((r) => r.status !== 'pass')),
  );
  for (const r of got) assert.ok(r.fix.length > 0, `${r.id} names a fix`);
}
