// What medic diagnose must find for each testbed scenario: live inside the box, and offline on the logs
// exported from it (journalctl -o json with Nginx's error.log; and what people paste: systemctl status,
// journalctl, the curl they tried, the tail of error.log). Each must name the cause and its real first line.
import assert from 'node:assert/strict';
import { inBox, mustPass, sh } from '../box.ts';

export interface Expectation {
  /** the unit medic is pointed at */
  unit: string;
  /** null: the app serves fine and the logs show nothing wrong (a preflight problem for medic check) */
  cause: string | null;
  /** what the first fatal line must say */
  fatal?: RegExp;
  /** the unit whose logs a user would export (default: unit) */
  logsOf?: string;
  /** the site a user would curl */
  url?: string;
  /** the cause offline, when logs alone can show it; null: the logs carry no trace of it */
  offline?: string | null;
  /** the same for the journal export alone, when only what people paste (their curl) shows it */
  offlineJson?: null;
}

const flask = 'http://flask.medic.test/health';
const fastapi = 'https://fastapi.medic.test/health';
const django = 'http://django.medic.test/health';

// Scenarios that break no request today: medic check catches them, diagnose must call the app healthy.
const preflightOnly: Record<string, string> = {
  restart_policy_off: 'flaskapp',
  unit_disabled: 'fastapi',
  default_secret: 'flaskapp',
  django_debug_on: 'djangoapp',
  flask_debug_on: 'flaskapp',
  memory_limit_tight: 'fastapi',
  bind_public: 'djangoapp',
  proxy_headers_missing: 'fastapi',
  venv_copied: 'flaskapp',
};

export const diagnoseExpectations: Record<string, Expectation> = {
  ...Object.fromEntries(Object.entries(preflightOnly).map(([name, unit]) => [name, { unit, cause: null }])),
  socket_dir_missing: {
    unit: 'flaskapp',
    cause: 'unit_misconfigured',
    fatal: /Can't connect to \/run\/flaskapp\/gunicorn\.sock/,
    url: flask,
  },
  static_root_empty: {
    unit: 'djangoapp',
    cause: 'static_files_missing',
    url: 'http://django.medic.test/static/site.css',
  },
  // Nginx asks every visitor for a password: the health check fails, nothing in the app's logs says why.
  health_behind_auth: { unit: 'flaskapp', cause: 'health_check_failing', url: flask, offline: null },
  app_exception: {
    unit: 'flaskapp',
    cause: 'app_exception',
    fatal: /TypeError: string indices must be integers/,
  },
  bind_address_mismatch: { unit: 'djangoapp', cause: 'wrong_bind_address', url: django },
  bind_port_mismatch: { unit: 'fastapi', cause: 'upstream_mismatch', url: fastapi },
  celery_worker_down: { unit: 'djangoapp', cause: 'worker_down', logsOf: 'djangoapp-celery' },
  db_wrong_password: {
    unit: 'fastapi',
    cause: 'db_auth_failed',
    fatal: /password authentication failed for user "fastapi"/,
  },
  disallowed_host: {
    unit: 'djangoapp',
    cause: 'allowed_hosts',
    fatal: /Invalid HTTP_HOST header: 'django\.medic\.test'/,
  },
  disk_full: { unit: 'flaskapp', cause: 'disk_full', fatal: /No space left on device/ },
  django_migrations_not_applied: {
    unit: 'djangoapp',
    cause: 'migrations_not_applied',
    fatal: /does not exist/,
  },
  dns_wrong_address: { unit: 'djangoapp', cause: 'dns_misconfigured', url: django, offline: null },
  envfile_missing: {
    unit: 'djangoapp',
    cause: 'unit_misconfigured',
    fatal: /Failed to load environment files/,
  },
  exec_missing: { unit: 'fastapi', cause: 'unit_misconfigured', fatal: /\/srv\/fastapi\/venv\/bin\/uvicorn/ },
  health_db_down: { unit: 'djangoapp', cause: 'db_unreachable', url: django, offline: null },
  log_dir_unwritable: {
    unit: 'flaskapp',
    cause: 'file_permission',
    fatal: /Permission denied: '\/var\/log\/flaskapp/,
  },
  malformed_env_value: {
    unit: 'flaskapp',
    cause: 'bad_config_value',
    fatal: /Port could not be cast to integer/,
  },
  migrations_not_applied: { unit: 'fastapi', cause: 'migrations_not_applied', fatal: /priority/ },
  missing_dependency: { unit: 'flaskapp', cause: 'missing_dependency', fatal: /No module named 'markdown'/ },
  missing_env_var: { unit: 'flaskapp', cause: 'missing_env_var', fatal: /KeyError: 'SECRET_KEY'/ },
  nginx_config_invalid: { unit: 'flaskapp', cause: 'nginx_config_invalid', logsOf: 'nginx', fatal: /emerg/ },
  // (a paste of the unit's journal has no kernel lines: systemd's SIGKILL line is what it shows)
  oom_kill: { unit: 'fastapi', cause: 'oom_killed', fatal: /Killed process \d+ \(uvicorn\)|status=9\/KILL/ },
  port_in_use: { unit: 'fastapi', cause: 'port_in_use', fatal: /address already in use/i },
  postgres_stopped: { unit: 'flaskapp', cause: 'db_unreachable', fatal: /Connection refused/ },
  db_connections_exhausted: {
    unit: 'flaskapp',
    cause: 'db_connections_exhausted',
    fatal: /remaining connection slots are reserved|too many clients/,
  },
  python_version_mismatch: {
    unit: 'fastapi',
    cause: 'python_version_mismatch',
    fatal: /cannot import name 'override'/,
  },
  redis_stopped: { unit: 'flaskapp', cause: 'redis_unreachable', fatal: /6379/ },
  socket_permission: {
    unit: 'flaskapp',
    cause: 'socket_permission',
    fatal: /13: Permission denied/,
    url: flask,
  },
  static_alias_missing: {
    unit: 'flaskapp',
    cause: 'static_files_missing',
    url: 'http://flask.medic.test/static/app.css',
  },
  syntax_error: { unit: 'djangoapp', cause: 'syntax_or_import_error_in_app', fatal: /SyntaxError/ },
  // Nginx logs nothing about the certificate it serves: the curl in the paste shows it.
  tls_certificate_expired: {
    unit: 'fastapi',
    cause: 'tls_expired_or_invalid',
    url: fastapi,
    offlineJson: null,
  },
  upload_dir_unwritable: {
    unit: 'flaskapp',
    cause: 'file_permission',
    fatal: /Permission denied: '\/srv\/flaskapp\/uploads/,
  },
  upstream_socket_missing: {
    unit: 'flaskapp',
    cause: 'upstream_mismatch',
    fatal: /flaskapp\.sock/,
    url: flask,
  },
  user_missing: { unit: 'flaskapp', cause: 'unit_misconfigured', fatal: /user credentials|217\/USER/ },
  workdir_missing: { unit: 'djangoapp', cause: 'unit_misconfigured', fatal: /CHDIR|working directory/i },
  worker_timeout: { unit: 'flaskapp', cause: 'worker_timeout', fatal: /WORKER TIMEOUT/ },
  wrong_module_path: { unit: 'flaskapp', cause: 'wrong_entrypoint', fatal: /No module named 'app'/ },
};

export interface Diagnosis {
  status: string;
  cause: { id: string; confidence: string; fix: string[] } | null;
  firstFatal: { line: string } | null;
  layers: { name: string; status: string }[];
}

export function diagnose(...args: string[]): Diagnosis {
  const r = inBox('medic', 'diagnose', ...args, '--format', 'json');
  assert.ok(r.code === 0 || r.code === 1, `medic diagnose ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return onlyService(r.stdout);
}

/** The one service of `medic diagnose UNIT --format json`. */
function onlyService(stdout: string): Diagnosis {
  const { services } = JSON.parse(stdout) as { services: Diagnosis[] };
  assert.equal(services.length, 1);
  return services[0] as Diagnosis;
}

function assertFinds(d: Diagnosis, e: Expectation & { cause: string }, how: string): void {
  assert.equal(
    d.cause?.id,
    e.cause,
    `${how}: cause ${d.cause?.id}, want ${e.cause}\n${JSON.stringify(d, null, 1).slice(0, 3000)}`,
  );
  assert.notEqual(d.status, 'healthy', how);
  if (e.fatal) assert.match(d.firstFatal?.line ?? '', e.fatal, `${how}: first fatal line`);
  assert.ok((d.cause?.fix.length ?? 0) > 0, `${how}: a fix`);
}

/** Runs medic diagnose live and on the exported logs against the scenario NAME, applied to the box. */
export function diagnoseScenario(name: string): void {
  const e = diagnoseExpectations[name];
  assert.ok(e, `no diagnose expectation for ${name}`);
  if (e.cause === null) {
    const live = diagnose(e.unit);
    assert.equal(live.status, 'healthy', `live: ${JSON.stringify(live.cause)}`);
    assert.equal(live.cause, null);
    return;
  }
  const cause = e.cause;
  assertFinds(diagnose(e.unit), { ...e, cause }, 'live');
  const logsOf = e.logsOf ?? e.unit;
  const url = e.url ?? '';
  mustPass(
    sh(
      [
        `journalctl -u ${logsOf} -o json --no-pager > /tmp/export.json`,
        name === 'oom_kill' ? 'journalctl -k -o json --no-pager >> /tmp/export.json' : 'true',
        `{ echo '$ sudo systemctl status ${logsOf} --no-pager'; systemctl status ${logsOf} --no-pager -n 0;`,
        ` echo '$ sudo journalctl -u ${logsOf} -n 300 --no-pager'; journalctl -u ${logsOf} -n 300 --no-pager;`,
        url ? ` echo '$ curl -sS ${url}'; curl -sS -o /dev/null --max-time 3 ${url} 2>&1;` : '',
        " echo '$ sudo tail -n 30 /var/log/nginx/error.log'; tail -n 30 /var/log/nginx/error.log; } > /tmp/pasted.txt 2>&1",
      ].join('\n'),
    ),
    'export logs',
  );
  for (const [how, args] of [
    ['offline json', ['--log', '/tmp/export.json', '--log', '/var/log/nginx/error.log']],
    ['offline pasted', ['--log', '/tmp/pasted.txt']],
  ] as const) {
    const d = diagnose(...args);
    if (e.offline === null || (how === 'offline json' && e.offlineJson === null)) {
      // The logs carry no trace of it: medic must not claim a cause with confidence.
      assert.ok(
        !d.cause || d.cause.confidence !== 'high' || d.cause.id === e.cause,
        `${how}: ${d.cause?.id} ${JSON.stringify(d.cause)}`,
      );
    } else {
      assertFinds(d, { ...e, cause: e.offline ?? cause }, how);
    }
  }
}

/**
 * Scenarios whose cause lies in Nginx's configuration, diagnosed by a user who is not root, the way medic
 * watch runs (its own user in the systemd-journal and adm groups). `nginx -T` prints nothing for such a
 * user (the TLS key is root's), so medic reads the configuration from its files.
 */
export const nonRootScenarios = new Set(['bind_port_mismatch', 'upstream_socket_missing']);

export function diagnoseScenarioAsNonRoot(name: string): void {
  const e = diagnoseExpectations[name];
  assert.ok(e?.cause, `no diagnose expectation with a cause for ${name}`);
  mustPass(
    sh(
      'id medicro >/dev/null 2>&1 || useradd --system --no-create-home --groups systemd-journal,adm medicro',
    ),
    'a user who is not root',
  );
  assert.notEqual(sh('runuser -u medicro -- nginx -T >/dev/null 2>&1').code, 0, 'nginx -T fails as medicro');
  const r = sh(`cd /tmp && runuser -u medicro -- medic diagnose ${e.unit} --format json`);
  assert.equal(r.code, 1, `medic diagnose as medicro exited ${r.code}: ${r.stderr}`);
  assertFinds(onlyService(r.stdout), { ...e, cause: e.cause }, 'not root');
}
