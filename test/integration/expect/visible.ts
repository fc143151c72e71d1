// How each testbed scenario shows itself to a user who looks the usual way: unit state, HTTP status,
// the lines in the logs. scenarios.test.ts applies each one and runs these before medic looks.
import assert from 'node:assert/strict';
import {
  assertActive,
  assertCrashing,
  assertHttp,
  assertJournal,
  httpStatus,
  inBox,
  mainProcess,
  mustPass,
  nginxErrorLog,
  sh,
  show,
  unit,
} from '../box.ts';

const flask = 'http://flask.medic.test';
const fastapi = 'https://fastapi.medic.test';
const django = 'http://django.medic.test';

/** What the server holds in a file, as `cat` shows it. */
export const file = (path: string) => mustPass(inBox('cat', path), `cat ${path}`).stdout;
const exists = (path: string) => inBox('test', '-e', path).code === 0;
/** `manage.py check --deploy` as the app's user, with its environment file. */
export const djangoCheckDeploy = () =>
  sh(
    'cd /srv/djangoapp && sudo -u www-data env $(cat .env | xargs) .venv/bin/python manage.py check --deploy 2>&1',
  );

export const visible: Record<string, () => void> = {
  missing_dependency() {
    assertCrashing('flaskapp');
    assertJournal('flaskapp', /ModuleNotFoundError: No module named 'markdown'/);
    assertHttp(`${flask}/health`, '502');
  },
  wrong_module_path() {
    assertCrashing('flaskapp');
    assertJournal('flaskapp', /ModuleNotFoundError: No module named 'app'/);
    assertHttp(`${flask}/health`, '502');
  },
  missing_env_var() {
    assertCrashing('flaskapp');
    assertJournal('flaskapp', /KeyError: 'SECRET_KEY'/);
    assertHttp(`${flask}/health`, '502');
  },
  malformed_env_value() {
    assertCrashing('flaskapp');
    assertJournal('flaskapp', /ValueError: Port could not be cast to integer value/);
    assertHttp(`${flask}/health`, '502');
  },
  port_in_use() {
    assertCrashing('fastapi');
    assertJournal('fastapi', /address already in use/i);
    assert.notEqual(httpStatus(`${fastapi}/health`), '200');
  },
  bind_port_mismatch() {
    assertActive('fastapi');
    assert.match(sh('ss -Hltn "sport = :8010"').stdout, /127\.0\.0\.1:8010/);
    assertHttp(`${fastapi}/health`, '502');
    assert.match(
      nginxErrorLog(),
      /connect\(\) failed \(111: Connection refused\).*upstream: "http:\/\/127\.0\.0\.1:8000/,
    );
  },
  bind_address_mismatch() {
    assertActive('djangoapp');
    assert.match(sh('ss -Hltn "sport = :8001"').stdout, /\[::1\]:8001/);
    assertHttp(`${django}/health`, '502');
    assert.match(nginxErrorLog(), /\(111: Connection refused\).*upstream: "http:\/\/127\.0\.0\.1:8001/);
  },
  upstream_socket_missing() {
    assertActive('flaskapp');
    assertHttp(`${flask}/health`, '502');
    assert.match(
      nginxErrorLog(),
      /unix:\/run\/flaskapp\/flaskapp\.sock failed \(2: No such file or directory\)/,
    );
  },
  socket_permission() {
    assertActive('flaskapp');
    assertHttp(`${flask}/health`, '502');
    assert.match(nginxErrorLog(), /unix:\/run\/flaskapp\/gunicorn\.sock failed \(13: Permission denied\)/);
  },
  log_dir_unwritable() {
    assertCrashing('flaskapp');
    assertJournal(
      'flaskapp',
      /PermissionError: \[Errno 13\] Permission denied: '\/var\/log\/flaskapp\/app\.log'/,
    );
  },
  upload_dir_unwritable() {
    assertActive('flaskapp');
    assert.equal(
      inBox('curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '-d', 'x', `${flask}/upload`).stdout,
      '500',
    );
    assertJournal('flaskapp', /PermissionError: \[Errno 13\] Permission denied: '\/srv\/flaskapp\/uploads\//);
  },
  postgres_stopped() {
    assert.equal(unit('postgresql').ActiveState, 'inactive');
    assertCrashing('flaskapp');
    assertJournal(
      'flaskapp',
      /psycopg2\.OperationalError: connection to server at "127\.0\.0\.1", port 5432 failed/,
    );
  },
  db_connections_exhausted() {
    assertCrashing('flaskapp');
    assertJournal(
      'flaskapp',
      /FATAL: {1,2}(?:remaining connection slots are reserved|sorry, too many clients)/,
    );
  },
  db_wrong_password() {
    assertCrashing('fastapi');
    assertJournal('fastapi', /password authentication failed for user "fastapi"/);
  },
  migrations_not_applied() {
    assertCrashing('fastapi');
    assertJournal('fastapi', /column "priority" does not exist/);
    assert.match(
      sh('cd /srv/fastapi && set -a && . ./.env && .venv/bin/alembic current 2>/dev/null').stdout,
      /^0001/m,
    );
  },
  django_migrations_not_applied() {
    assertActive('djangoapp');
    assertHttp(`${django}/notes/`, '500');
    assertJournal('djangoapp', /column notes_note\.words does not exist/);
  },
  redis_stopped() {
    assert.equal(unit('redis-server').ActiveState, 'inactive');
    assertCrashing('flaskapp');
    assertJournal(
      'flaskapp',
      /redis\.exceptions\.ConnectionError: Error 111 connecting to 127\.0\.0\.1:6379/,
    );
  },
  disk_full() {
    assert.match(sh('df --output=avail /srv/flaskapp/uploads | tail -n1').stdout.trim(), /^0$/);
    assert.equal(
      inBox(
        'curl',
        '-s',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '--data-binary',
        '@/etc/services',
        `${flask}/upload`,
      ).stdout,
      '500',
    );
    assertJournal('flaskapp', /OSError: \[Errno 28\] No space left on device/);
  },
  tls_certificate_expired() {
    const r = inBox('curl', '-sS', '-o', '/dev/null', `${fastapi}/health`);
    assert.equal(r.code, 60, 'curl should refuse the certificate');
    assert.match(r.stderr, /certificate has expired/);
    assertHttp(`${fastapi}/health`, '200', '--insecure');
  },
  python_version_mismatch() {
    assertCrashing('fastapi');
    assertJournal('fastapi', /ImportError: cannot import name 'override' from 'typing'/);
    assert.match(inBox('/srv/fastapi/.venv/bin/python', '--version').stdout, /Python 3\.11/);
  },
  syntax_error() {
    assertCrashing('djangoapp');
    assertJournal('djangoapp', /SyntaxError/);
    assertHttp(`${django}/health`, '502');
  },
  worker_timeout() {
    assertActive('flaskapp');
    assertJournal('flaskapp', /\[CRITICAL\] WORKER TIMEOUT \(pid:\d+\)/);
    assert.match(nginxErrorLog(), /upstream prematurely closed connection/);
  },
  disallowed_host() {
    assertActive('djangoapp');
    assertHttp(`${django}/health`, '400');
    assertJournal('djangoapp', /Invalid HTTP_HOST header: 'django\.medic\.test'/);
  },
  exec_missing() {
    assertCrashing('fastapi');
    assertJournal('fastapi', /status=203\/EXEC/);
  },
  workdir_missing() {
    assertCrashing('djangoapp');
    assertJournal('djangoapp', /status=200\/CHDIR/);
  },
  user_missing() {
    assertCrashing('flaskapp');
    assertJournal('flaskapp', /status=217\/USER/);
  },
  envfile_missing() {
    assertCrashing('djangoapp');
    assertJournal('djangoapp', /Failed to load environment files/);
  },
  nginx_config_invalid() {
    assert.equal(unit('nginx').ActiveState, 'failed');
    const t = inBox('nginx', '-t');
    assert.equal(t.code, 1);
    assert.match(t.stderr, /\[emerg\]/);
    assertHttp(`${flask}/health`, '000');
  },
  static_alias_missing() {
    assertHttp(`${flask}/static/app.css`, '404');
    assert.match(
      nginxErrorLog(),
      /"\/srv\/flaskapp\/public\/app\.css" failed \(2: No such file or directory\)/,
    );
  },
  celery_worker_down() {
    assert.equal(unit('djangoapp-celery').ActiveState, 'inactive');
    assert.ok(Number(inBox('redis-cli', '-n', '1', 'llen', 'celery').stdout) >= 3, 'tasks should queue up');
    assertHttp(`${django}/health`, '200');
  },
  health_db_down() {
    assertActive('djangoapp');
    assertHttp(`${django}/health`, '503');
  },
  app_exception() {
    assertActive('flaskapp');
    assertHttp(`${flask}/health`, '200');
    assertHttp(`${flask}/notes`, '500');
    assertJournal('flaskapp', /TypeError: string indices must be integers/);
  },
  dns_wrong_address() {
    assert.match(inBox('getent', 'hosts', 'django.medic.test').stdout, /192\.0\.2\.10/);
    assertHttp(`${django}/health`, '000', '--connect-timeout', '2');
    assertHttp('http://127.0.0.1/health', '200', '-H', 'Host: django.medic.test');
  },
  oom_kill() {
    assert.match(inBox('journalctl', '-k', '--no-pager').stdout, /Killed process \d+ \(uvicorn\)/);
    assertJournal('fastapi', /status=9\/KILL/);
    assertCrashing('fastapi');
  },
  restart_policy_off() {
    assert.match(file('/etc/systemd/system/flaskapp.service'), /^Restart=no$/m);
    assert.equal(show('flaskapp', 'Restart').Restart, 'no');
    assertActive('flaskapp');
    assertHttp(`${flask}/health`, '200');
  },
  unit_disabled() {
    assert.equal(inBox('systemctl', 'is-enabled', 'fastapi').stdout.trim(), 'disabled');
    assertActive('fastapi');
    assertHttp(`${fastapi}/health`, '200');
  },
  default_secret() {
    assert.match(file('/srv/flaskapp/.env'), /^SECRET_KEY=changeme$/m);
    assert.ok(mainProcess('flaskapp').environ.includes('SECRET_KEY=changeme'));
    assertActive('flaskapp');
    assertHttp(`${flask}/health`, '200');
  },
  django_debug_on() {
    assert.match(file('/srv/djangoapp/.env'), /^DEBUG=True$/m);
    assertActive('djangoapp');
    assertHttp(`${django}/health`, '200');
    // Django's debug 404 page, shown to anyone who asks for a page that does not exist.
    assert.match(inBox('curl', '-s', `${django}/no-such-page`).stdout, /DEBUG = True/);
    assert.match(djangoCheckDeploy().stdout, /\(security\.W018\) You should not have DEBUG set to True/);
  },
  flask_debug_on() {
    assert.match(file('/srv/flaskapp/.env'), /^FLASK_DEBUG=1$/m);
    assert.ok(mainProcess('flaskapp').environ.includes('FLASK_DEBUG=1'));
    assertActive('flaskapp');
    // Flask in debug mode pretty-prints its JSON: {"status":"ok"} becomes indented.
    assert.equal(inBox('curl', '-s', `${flask}/health`).stdout, '{\n  "status": "ok"\n}\n');
    const debug = sh(
      'cd /srv/flaskapp && set -a && . ./.env && set +a && runuser -u www-data -- .venv/bin/python -c "import wsgi; print(wsgi.app.debug)" 2>/dev/null',
    );
    assert.equal(debug.stdout.trim(), 'True');
  },
  socket_dir_missing() {
    assert.doesNotMatch(file('/etc/systemd/system/flaskapp.service'), /RuntimeDirectory=/);
    assert.ok(!exists('/run/flaskapp'), '/run/flaskapp should not exist');
    assertCrashing('flaskapp');
    assertJournal('flaskapp', /Can't connect to \/run\/flaskapp\/gunicorn\.sock/);
    assertHttp(`${flask}/health`, '502');
    assert.match(
      nginxErrorLog(),
      /unix:\/run\/flaskapp\/gunicorn\.sock failed \(2: No such file or directory\)/,
    );
  },
  static_root_empty() {
    assert.ok(!exists('/srv/djangoapp/staticfiles'), 'STATIC_ROOT should not exist');
    assertActive('djangoapp');
    assertHttp(`${django}/health`, '200');
    assertHttp(`${django}/static/site.css`, '404');
    assert.match(
      nginxErrorLog(),
      /"\/srv\/djangoapp\/staticfiles\/site\.css" failed \(2: No such file or directory\)/,
    );
  },
  memory_limit_tight() {
    assert.match(file('/etc/systemd/system/fastapi.service.d/memory.conf'), /^MemoryMax=\d+M$/m);
    const max = Number(show('fastapi', 'MemoryMax').MemoryMax);
    assert.ok(Number.isInteger(max), 'MemoryMax should be a number of bytes');
    // The host's cgroup v1 leaves MemoryCurrent unset in the box: add up the RSS of the unit's processes.
    const rssKb = Number(sh('. /opt/medic/testbed/lib.sh && unit_rss_kb fastapi').stdout.trim());
    assert.ok(rssKb * 1024 > max, `fastapi uses ${rssKb} kB, more than MemoryMax=${max}`);
    assertActive('fastapi');
    assertHttp(`${fastapi}/health`, '200');
  },
  bind_public() {
    assert.match(file('/srv/djangoapp/gunicorn.conf.py'), /^bind = "0\.0\.0\.0:8001"$/m);
    assert.match(sh('ss -Hltn "sport = :8001"').stdout, /0\.0\.0\.0:8001/);
    assertActive('djangoapp');
    assertHttp(`${django}/health`, '200');
  },
  proxy_headers_missing() {
    assert.doesNotMatch(file('/etc/nginx/sites-available/fastapi'), /X-Forwarded-(Proto|For)/);
    assertHttp(`${fastapi}/health`, '200');
    // The app no longer knows it is behind HTTPS: its redirects point at http://.
    assert.equal(
      inBox('curl', '-s', '-o', '/dev/null', '-w', '%{redirect_url}', `${fastapi}/items/`).stdout,
      'http://fastapi.medic.test/items',
    );
  },
  health_behind_auth() {
    assert.match(
      file('/etc/nginx/sites-available/flaskapp'),
      /auth_basic_user_file \/etc\/nginx\/htpasswd-flaskapp;/,
    );
    assert.match(file('/etc/nginx/htpasswd-flaskapp'), /^admin:\$apr1\$/);
    assertActive('flaskapp');
    assertHttp(`${flask}/health`, '401');
    assertHttp(`${flask}/health`, '200', '-u', 'admin:Adm1n-pw-2024');
  },
  venv_copied() {
    assert.equal(
      show('flaskapp', 'ExecStart').ExecStart?.match(/path=(\S+)/)?.[1],
      '/srv/flaskapp/venv/bin/gunicorn',
    );
    assert.equal(file('/srv/flaskapp/venv/bin/gunicorn').split('\n')[0], '#!/srv/flaskapp/.venv/bin/python3');
    // The copied script starts the old virtualenv's interpreter.
    assert.deepEqual(mainProcess('flaskapp').argv.slice(0, 2), [
      '/srv/flaskapp/.venv/bin/python3',
      '/srv/flaskapp/venv/bin/gunicorn',
    ]);
    assertActive('flaskapp');
    assertHttp(`${flask}/health`, '200');
  },
};
