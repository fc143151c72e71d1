// The cause catalog as a spec: for each cause, logs that must be diagnosed as it (valid) and near misses
// that must not (invalid). Lines are cut from real output: the testbed's apps, and the public threads
// in test/fixtures/public (whose sources are in its index.json).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CAUSES } from '../../src/causes/index.ts';
import { passesCheapTest } from '../../src/diagnose/collect.ts';
import { anchorOf, MESSAGES } from '../../src/causes/messages/index.ts';
import { diagnoseText } from '../../src/diagnose/offline.ts';
import { rulesExported } from './rule-files.ts';

const tb = (
  exception: string,
  frames = '  File "/srv/flaskapp/flaskapp/__init__.py", line 12, in create_app\n    x()',
) =>
  `Traceback (most recent call last):\n  File "/srv/flaskapp/wsgi.py", line 3, in <module>\n    app = create_app()\n${frames}\n${exception}`;
const j = (ident: string, text: string) =>
  text
    .split('\n')
    .map((l) => `Nov 21 20:22:13 web1 ${ident}: ${l}`)
    .join('\n');

interface Case {
  log: string;
  /** a part of the first fatal line, when one must be named */
  fatal?: string;
}

/** `live`: the kernel's log was read too, as on the server (an OOM kill would be in it). */
const table: Record<string, { valid: Case[]; invalid: string[]; live?: boolean }> = {
  missing_dependency: {
    valid: [
      {
        log: j('gunicorn[145]', tb("ModuleNotFoundError: No module named 'markdown'")),
        fatal: "No module named 'markdown'",
      },
      {
        log: tb(
          "django.core.exceptions.ImproperlyConfigured: Error loading psycopg2 module: No module named 'psycopg2'",
        ),
        fatal: 'psycopg2',
      },
      // Python 2 prints the name without quotes
      { log: tb('ImportError: No module named flask'), fatal: 'No module named flask' },
    ],
    invalid: [
      // the app's own package: a code problem, not a dependency
      tb("ModuleNotFoundError: No module named 'flaskapp.views'"),
      // installed, but another version than the code was written for: none of the catalog's causes
      tb(
        "ImportError: cannot import name 'soft_unicode' from 'markupsafe' (/srv/app/venv/lib/python3.11/site-packages/markupsafe/__init__.py)",
      ),
      // a file of the app named like the package shadows it (CPython: "%r is not a package")
      tb("ModuleNotFoundError: No module named 'gunicorn.app'; 'gunicorn' is not a package"),
      'pip install markdown',
    ],
  },
  wrong_entrypoint: {
    valid: [
      {
        log: tb(
          "ModuleNotFoundError: No module named 'app'",
          '  File "/usr/lib/python3/dist-packages/gunicorn/util.py", line 384, in import_app\n    mod = importlib.import_module(module)\n  File "/usr/lib/python3.11/importlib/__init__.py", line 126, in import_module\n    return _bootstrap._gcd_import(name[level:], package, level)',
        ),
        fatal: "No module named 'app'",
      },
      { log: "[2026-11-21 20:22:13 +0000] [12] [ERROR] Failed to find attribute 'app' in 'wsgi'." },
      { log: 'ERROR:    Error loading ASGI app. Could not import module "main".' },
    ],
    invalid: ["Failed to find attribute 'app' in the docs, see above"],
  },
  missing_env_var: {
    valid: [
      { log: j('gunicorn[88]', tb("KeyError: 'SECRET_KEY'")), fatal: "KeyError: 'SECRET_KEY'" },
      { log: tb('django.core.exceptions.ImproperlyConfigured: Set the DATABASE_URL environment variable') },
      {
        log: tb(
          'pydantic_core._pydantic_core.ValidationError: 1 validation error for Settings\ndatabase_url\n  Field required [type=missing, input_value={}, input_type=dict]',
        ),
      },
    ],
    invalid: [tb("KeyError: 'id'"), "KeyError: 'SECRET_KEY' was fixed yesterday"],
  },
  bad_config_value: {
    valid: [
      { log: tb("ValueError: Port could not be cast to integer value as 'notaport'"), fatal: 'notaport' },
      { log: tb("ValueError: invalid literal for int() with base 10: '10485760  # 10MB'") },
      // Gunicorn's argparse (gunicorn/config.py) rejecting an option it does not know
      { log: 'gunicorn: error: unrecognized arguments: --max-request 100', fatal: 'unrecognized arguments' },
      // click, under Uvicorn: "Error: Invalid value for '--port'"
      { log: "Error: Invalid value for '--port': 'main:app' is not a valid integer." },
      // libpq given a URL whose password holds an unescaped @: its tail reads as the host name
      {
        log: tb(
          'sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) could not translate host name "Zx4@db" to address: Name or service not known',
        ),
        fatal: 'could not translate host name',
      },
    ],
    invalid: [
      tb('ValueError: too many values to unpack (expected 2)'),
      // the app's own argparse at import, reading Gunicorn's command line: Gunicorn never rejects --bind
      'usage: gunicorn [-h] [--config CONFIG]\ngunicorn: error: unrecognized arguments: --bind=unix:/run/app.sock app:app',
    ],
  },
  port_in_use: {
    valid: [
      { log: "[2026-11-21 20:22:13 +0000] [7] [ERROR] Connection in use: ('127.0.0.1', 8000)" },
      {
        log: "ERROR:    [Errno 98] error while attempting to bind on address ('127.0.0.1', 8000): address already in use",
        fatal: 'address already in use',
      },
      { log: tb('OSError: [Errno 98] Address already in use') },
    ],
    invalid: ['the port 8000 is in use by design'],
  },
  wrong_bind_address: {
    valid: [
      {
        log: [
          '[2026-11-21 20:22:13 +0000] [7] [INFO] Listening at: http://[::1]:8001 (7)',
          '2026/11/21 20:22:14 [error] 31#31: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: django.medic.test, request: "GET /health HTTP/1.1", upstream: "http://127.0.0.1:8001/health", host: "django.medic.test"',
        ].join('\n'),
        fatal: 'connect() failed (111',
      },
      {
        log: 'docker run -p 5000:5000 app\n[2026-11-21 20:22:13 +0000] [1] [INFO] Listening at: http://127.0.0.1:5000 (1)',
      },
      // Gunicorn as process 1 is a container's own command: its loopback cannot be reached from outside
      { log: '[2026-11-21 20:22:13 +0000] [1] [INFO] Listening at: http://127.0.0.1:5000 (1)' },
      // netstat -tlnp inside the container: python is process 1
      {
        log: 'tcp        0      0 127.0.0.1:5000          0.0.0.0:*               LISTEN      1/python3',
        fatal: '127.0.0.1:5000',
      },
    ],
    invalid: [
      // same address: nothing wrong with the bind
      '[2026-11-21 20:22:13 +0000] [7] [INFO] Listening at: http://127.0.0.1:8001 (7)',
      // process 1 on all addresses is what a container should do
      '[2026-11-21 20:22:13 +0000] [1] [INFO] Listening at: http://0.0.0.0:5000 (1)',
      'tcp        0      0 127.0.0.1:5432          0.0.0.0:*               LISTEN      812/postgres',
    ],
  },
  upstream_mismatch: {
    valid: [
      {
        log: [
          '● fastapi.service - fastapi (FastAPI under Uvicorn)',
          'INFO:     Uvicorn running on http://127.0.0.1:8010 (Press CTRL+C to quit)',
          '2026/11/21 20:22:14 [error] 31#31: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: fastapi.medic.test, request: "GET /health HTTP/1.1", upstream: "http://127.0.0.1:8000/health", host: "fastapi.medic.test"',
        ].join('\n'),
      },
      {
        log: [
          '[2026-11-21 20:22:13 +0000] [7] [INFO] Listening at: unix:/run/flaskapp/gunicorn.sock (7)',
          '2026/11/21 20:22:14 [crit] 31#31: *1 connect() to unix:/run/flaskapp/flaskapp.sock failed (2: No such file or directory) while connecting to upstream, client: 127.0.0.1, server: flask.medic.test, request: "GET /health HTTP/1.1", upstream: "http://unix:/run/flaskapp/flaskapp.sock:/health", host: "flask.medic.test"',
        ].join('\n'),
        fatal: 'flaskapp.sock',
      },
    ],
    invalid: [
      // the app crashed: the refused upstream is a symptom of that, not a mismatch
      [
        j('systemd[1]', 'flaskapp.service: Main process exited, code=exited, status=3/NOTRUNNING'),
        '2026/11/21 20:22:14 [error] 31#31: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: x, request: "GET / HTTP/1.1", upstream: "http://127.0.0.1:8000/", host: "x"',
      ].join('\n'),
    ],
  },
  socket_permission: {
    valid: [
      {
        log: '2026/11/21 20:22:14 [crit] 31#31: *1 connect() to unix:/run/flaskapp/gunicorn.sock failed (13: Permission denied) while connecting to upstream, client: 127.0.0.1, server: flask.medic.test, request: "GET /health HTTP/1.1", upstream: "http://unix:/run/flaskapp/gunicorn.sock:/health", host: "flask.medic.test"',
      },
    ],
    invalid: ['chmod 660 /run/flaskapp/gunicorn.sock'],
  },
  file_permission: {
    valid: [
      {
        log: tb("PermissionError: [Errno 13] Permission denied: '/var/log/flaskapp/app.log'"),
        fatal: '/var/log/flaskapp',
      },
    ],
    invalid: ['Permission denied (publickey).'],
  },
  db_unreachable: {
    valid: [
      {
        log: tb(
          'psycopg2.OperationalError: connection to server at "127.0.0.1", port 5432 failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?',
        ),
      },
      { log: tb("ConnectionRefusedError: [Errno 111] Connect call failed ('127.0.0.1', 5432)") },
      {
        log: tb(
          'django.db.utils.OperationalError: could not translate host name "db" to address: Name or service not known',
        ),
      },
    ],
    invalid: [
      tb("ConnectionRefusedError: [Errno 111] Connect call failed ('127.0.0.1', 9200)"),
      // a password's unescaped @ cut the URL: its tail is no host to reach
      tb(
        'psycopg2.OperationalError: could not translate host name "x9@db" to address: Name or service not known',
      ),
      tb('psycopg2.OperationalError: FATAL:  sorry, too many clients already'),
    ],
  },
  db_connections_exhausted: {
    valid: [
      {
        log: tb(
          'django.db.utils.OperationalError: connection to server at "127.0.0.1", port 5432 failed: FATAL:  remaining connection slots are reserved for non-replication superuser connections',
        ),
        fatal: 'remaining connection slots',
      },
      {
        log: tb(
          'sqlalchemy.exc.TimeoutError: QueuePool limit of size 5 overflow 10 reached, connection timed out, timeout 30.00 (Background on this error at: https://sqlalche.me/e/20/3o7r)',
        ),
      },
      { log: tb("psycopg_pool.PoolTimeout: couldn't get a connection after 30.00 sec") },
      { log: tb('psycopg2.OperationalError: FATAL:  no more connections allowed (max_client_conn)') },
      { log: tb('asyncpg.exceptions.TooManyConnectionsError: sorry, too many clients already') },
    ],
    invalid: [
      'max_connections = 100',
      // the pool timed out because every connection failed: the failure is the cause
      `2026-11-21 20:22:13,001 WARNING error connecting in 'pool-1': connection failed: FATAL:  password authentication failed for user "flask"\n${tb("psycopg_pool.PoolTimeout: couldn't get a connection after 30.00 sec")}`,
    ],
  },
  db_auth_failed: {
    valid: [
      {
        log: tb(
          'psycopg2.OperationalError: connection to server at "127.0.0.1", port 5432 failed: FATAL:  password authentication failed for user "flask"',
        ),
        fatal: 'password authentication failed',
      },
      {
        log: '2026-11-21 20:22:13.001 UTC [99] flask@flask FATAL:  password authentication failed for user "flask"',
      },
    ],
    invalid: ['password authentication is configured in pg_hba.conf'],
  },
  migrations_not_applied: {
    valid: [
      { log: tb('psycopg2.errors.UndefinedColumn: column items.priority does not exist') },
      {
        log: tb(
          'django.db.utils.ProgrammingError: relation "notes_note" does not exist\nLINE 1: SELECT "notes_note"."id" FROM "notes_note"',
        ),
      },
      {
        log: 'You have 2 unapplied migration(s). Your project may not work properly until you apply the migrations for app(s): notes.',
      },
    ],
    invalid: ['the column does not exist in the spreadsheet, said the user'],
  },
  redis_unreachable: {
    valid: [
      {
        log: tb(
          'redis.exceptions.ConnectionError: Error 111 connecting to 127.0.0.1:6379. Connection refused.',
        ),
      },
      {
        log: '[2026-11-21 20:22:13,001: ERROR/MainProcess] consumer: Cannot connect to redis://127.0.0.1:6379/1: Error 111 connecting to 127.0.0.1:6379. Connection refused..',
      },
    ],
    invalid: [tb('ConnectionError: Error 111 connecting to 127.0.0.1:9200. Connection refused.')],
  },
  oom_killed: {
    valid: [
      {
        log: 'Nov 21 20:22:13 web1 kernel: Memory cgroup out of memory: Killed process 4242 (uvicorn) total-vm:912345kB, anon-rss:150000kB',
      },
      { log: j('systemd[1]', "fastapi.service: Failed with result 'oom-kill'.") },
    ],
    invalid: ['kill -9 4242'],
  },
  killed_by_signal: {
    live: true,
    valid: [
      // medic's testbed: systemctl kill -s KILL --kill-whom=main flaskapp
      { log: j('systemd[1]', 'flaskapp.service: Main process exited, code=killed, status=9/KILL') },
      {
        log: j(
          'gunicorn[231]',
          '[2026-11-21 20:22:13 +0000] [231] [ERROR] Worker (pid:240) was sent SIGKILL! Perhaps out of memory?',
        ),
      },
    ],
    invalid: [
      `${j('kernel', 'Memory cgroup out of memory: Killed process 4242 (gunicorn) total-vm:912345kB, anon-rss:150000kB')}\n${j('systemd[1]', 'flaskapp.service: Main process exited, code=killed, status=9/KILL')}`,
      j('systemd[1]', "flaskapp.service: Failed with result 'exit-code'."),
    ],
  },
  disk_full: {
    valid: [
      {
        log: tb("OSError: [Errno 28] No space left on device: '/srv/flaskapp/uploads/x'"),
        fatal: 'No space left',
      },
    ],
    invalid: ['df -h shows plenty of space left on the device'],
  },
  tls_expired_or_invalid: {
    valid: [
      { log: 'curl: (60) SSL certificate problem: certificate has expired' },
      {
        log: 'nginx: [emerg] SSL_CTX_use_PrivateKey_file("/etc/ssl/private/site.key") failed (SSL: error:05800074:x509 certificate routines::key values mismatch)',
      },
    ],
    invalid: ['the certificate was renewed yesterday'],
  },
  python_version_mismatch: {
    valid: [
      {
        log: tb("ImportError: cannot import name 'override' from 'typing' (/usr/lib/python3.11/typing.py)"),
        fatal: 'override',
      },
      {
        log: 'Traceback (most recent call last):\n  File "/srv/app/vm.py", line 4, in <module>\n    from instructions import *\n  File "/srv/app/instructions.py", line 111\n    match self.opcode:\n          ^\nSyntaxError: invalid syntax',
      },
    ],
    invalid: [
      tb("ImportError: cannot import name 'helper' from 'flaskapp.util' (/srv/flaskapp/flaskapp/util.py)"),
    ],
  },
  syntax_or_import_error_in_app: {
    valid: [
      {
        log: 'Traceback (most recent call last):\n  File "/srv/djangoapp/notes/apps.py", line 3, in <module>\n    from . import models\n  File "/srv/djangoapp/notes/models.py", line 20\n    def broken(request)\n                       ^\nSyntaxError: expected \':\'',
        fatal: "SyntaxError: expected ':'",
      },
      { log: tb("NameError: name 'reqeust' is not defined") },
    ],
    invalid: ['SyntaxError is a Python exception'],
  },
  worker_timeout: {
    valid: [
      { log: '[2026-11-21 20:22:13 +0000] [7] [CRITICAL] WORKER TIMEOUT (pid:12)' },
      {
        log: '[2026-11-21 20:20:01 +0000] [7] [INFO] Using worker: sync\n[2026-11-21 20:22:13 +0000] [7] [CRITICAL] WORKER TIMEOUT (pid:12)',
      },
    ],
    invalid: [
      '[2026-11-21 20:22:13 +0000] [7] [INFO] Booting worker with pid: 12',
      // an async worker's heartbeat does not wait for a request: the process was stuck, not a request slow
      '[2026-11-21 20:20:01 +0000] [7] [INFO] Using worker: gevent\n[2026-11-21 20:22:13 +0000] [7] [CRITICAL] WORKER TIMEOUT (pid:12)',
      '[2026-11-21 20:20:01 +0000] [7] [INFO] Using worker: uvicorn.workers.UvicornWorker\n[2026-11-21 20:22:13 +0000] [7] [CRITICAL] WORKER TIMEOUT (pid:12)',
    ],
  },
  allowed_hosts: {
    valid: [
      {
        log: "Invalid HTTP_HOST header: 'django.medic.test'. You may need to add 'django.medic.test' to ALLOWED_HOSTS.",
      },
    ],
    invalid: ['ALLOWED_HOSTS = ["example.com"]'],
  },
  unit_misconfigured: {
    valid: [
      {
        log: j(
          '(uvicorn)[77]',
          'fastapi.service: Failed to locate executable /srv/fastapi/venv/bin/uvicorn: No such file or directory',
        ),
      },
      {
        log: j(
          'systemd[1]',
          'djangoapp.service: Failed to load environment files: No such file or directory',
        ),
      },
      { log: j('(gunicorn)[77]', 'flaskapp.service: Failed to determine user credentials: No such process') },
      // the testbed's socket_dir_missing: Gunicorn retries five times, then gives up on the socket
      {
        log: j(
          'gunicorn[412]',
          "[2026-11-21 22:31:05 +0000] [412] [ERROR] Can't connect to /run/flaskapp/gunicorn.sock",
        ),
      },
    ],
    invalid: [
      j('systemd[1]', 'flaskapp.service: Deactivated successfully.'),
      j('gunicorn[412]', '[2026-11-21 22:31:01 +0000] [412] [ERROR] Retrying in 1 second.'),
    ],
  },
  nginx_config_invalid: {
    valid: [
      {
        log: 'nginx: [emerg] unknown directive "proxy_passs" in /etc/nginx/sites-enabled/flaskapp:9\nnginx: configuration file /etc/nginx/nginx.conf test failed',
      },
    ],
    invalid: ['nginx: configuration file /etc/nginx/nginx.conf test is successful'],
  },
  static_files_missing: {
    valid: [
      {
        log: '2026/11/21 20:22:14 [error] 31#31: *3 open() "/srv/flaskapp/public/app.css" failed (2: No such file or directory), client: 127.0.0.1, server: flask.medic.test, request: "GET /static/app.css HTTP/1.1", host: "flask.medic.test"',
      },
    ],
    invalid: [
      '2026/11/21 20:22:14 [error] 31#31: *3 open() "/var/www/html/favicon.ico" failed (2: No such file or directory), client: 127.0.0.1, server: _, request: "GET /favicon.ico HTTP/1.1"',
    ],
  },
  worker_down: {
    valid: [
      {
        log: '[2026-11-21 20:22:13,001: INFO/MainProcess] celery@web1 ready.\n\nworker: Warm shutdown (MainProcess)',
      },
    ],
    invalid: [
      'worker: Warm shutdown (MainProcess)\n[2026-11-21 20:22:13,001: INFO/MainProcess] celery@web1 ready.',
    ],
  },
  app_exception: {
    valid: [
      {
        log: 'Traceback (most recent call last):\n  File "/usr/lib/python3/dist-packages/flask/app.py", line 1455, in wsgi_app\n    response = self.full_dispatch_request()\n  File "/usr/lib/python3/dist-packages/flask/app.py", line 869, in full_dispatch_request\n    rv = self.handle_user_exception(e)\n  File "/srv/flaskapp/flaskapp/__init__.py", line 70, in notes\n    return [n["title"] for n in rows]\nTypeError: string indices must be integers, not \'str\'',
        fatal: 'string indices must be integers',
      },
      // Django's technical 500 page copied as text (django/views/templates/technical_500.txt)
      {
        log: "TypeError at /notes/\nstring indices must be integers, not 'str'",
        fatal: "TypeError at /notes/: string indices must be integers, not 'str'",
      },
      // a request that answered 500 and nothing else in the logs (Django's request logger, uWSGI's log)
      { log: 'ERROR django.request Internal Server Error: /notes/' },
      { log: 'GET /login/ => generated 145 bytes in 26 msecs (HTTP/1.1 500) 6 headers in 184 bytes' },
    ],
    invalid: [
      tb('TypeError: string indices must be integers'),
      'GET /login/ => generated 145 bytes in 26 msecs (HTTP/1.1 200) 6 headers in 184 bytes',
      // the 500's traceback names the database: that cause explains the request
      'ERROR django.request Internal Server Error: /notes/\nTraceback (most recent call last):\n  File "/srv/app/venv/lib/python3.11/site-packages/django/core/handlers/exception.py", line 55, in inner\n    response = get_response(request)\n  File "/srv/app/venv/lib/python3.11/site-packages/psycopg2/__init__.py", line 122, in connect\n    conn = _connect(dsn, connection_factory=connection_factory, **kwasync)\npsycopg2.OperationalError: connection to server at "127.0.0.1", port 5432 failed: Connection refused',
    ],
  },
  dns_misconfigured: {
    valid: [{ log: 'curl: (6) Could not resolve host: flask.medic.test' }],
    invalid: ['resolve the conflict and commit'],
  },
  firewall_blocked: {
    valid: [
      {
        log: '2026/11/21 20:22:14 [error] 31#31: *1 upstream timed out (110: Connection timed out) while connecting to upstream, client: 10.0.0.5, server: x, request: "GET / HTTP/1.1", upstream: "http://10.0.0.7:8000/", host: "x"',
      },
    ],
    invalid: [
      '2026/11/21 20:22:14 [error] 31#31: *1 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 10.0.0.5, server: x, request: "GET / HTTP/1.1", upstream: "http://10.0.0.7:8000/", host: "x"',
    ],
  },
  health_check_failing: {
    valid: [
      { log: 'production_django   "/usr/src/app/entrypoint.sh"   django   running (unhealthy)   8000/tcp' },
      {
        // docker inspect's Health (moby's container.Health): the probe's output is the first fatal
        log: '"Health": {\n  "Status": "unhealthy",\n  "FailingStreak": 3,\n  "Log": [\n    {\n      "ExitCode": 1,\n      "Output": "curl: (7) Failed to connect to localhost port 8000 after 0 ms: Connection refused"\n    }\n  ]\n}',
        fatal: 'Failed to connect to localhost port 8000',
      },
    ],
    invalid: [
      'health check passed',
      // a healthy container's probe output, and no failing streak
      '"Health": {\n  "Status": "healthy",\n  "FailingStreak": 0,\n  "Log": [\n    {\n      "ExitCode": 0,\n      "Output": "{\\"status\\": \\"ok\\"}"\n    }\n  ]\n}',
    ],
  },
};

test('every cause of the catalog has a table, with valid and invalid cases', () => {
  assert.deepEqual(Object.keys(table).sort(), CAUSES.map((c) => c.meta.id).sort());
  for (const [id, t] of Object.entries(table)) {
    assert.ok(t.valid.length > 0 && t.invalid.length > 0, id);
  }
});

test('every cause has a title, a layer, docs and a fix', () => {
  const ids = new Set<string>();
  for (const c of CAUSES) {
    assert.ok(!ids.has(c.meta.id), `duplicate ${c.meta.id}`);
    ids.add(c.meta.id);
    assert.ok(c.meta.title.length > 10 && c.meta.docs.length > 40, c.meta.id);
    const fix = c.fix(
      {},
      {
        unit: 'flaskapp.service',
        workdir: '/srv/flaskapp',
        venv: '/srv/flaskapp/.venv',
        envFile: '/srv/flaskapp/.env',
        user: 'www-data',
        nginxSite: '/etc/nginx/sites-enabled/flaskapp',
        serverName: 'flask.medic.test',
        binds: [],
      },
    );
    assert.ok(fix.length > 0, `${c.meta.id} has no fix`);
    assert.ok(
      fix.every((f) => !f.includes('undefined')),
      `${c.meta.id}: ${fix.join(' / ')}`,
    );
  }
});

for (const [id, { valid, invalid, live }] of Object.entries(table)) {
  const opts = { kernelLogRead: live === true };
  test(`${id}: valid cases are diagnosed as ${id}`, () => {
    for (const c of valid) {
      const d = diagnoseText(c.log, 'input', new Date(), opts);
      assert.equal(d.cause?.id, id, `expected ${id} for:\n${c.log}\ngot ${d.cause?.id}`);
      if (c.fatal)
        assert.ok(
          d.firstFatal?.line.includes(c.fatal),
          `first fatal should name '${c.fatal}', is '${d.firstFatal?.line}'`,
        );
    }
  });
  test(`${id}: near misses are not ${id}`, () => {
    for (const log of invalid) {
      const d = diagnoseText(log, 'input', new Date(), opts);
      assert.notEqual(d.cause?.id, id, `not ${id}:\n${log}`);
    }
  });
}

test('the quick pre-filter never hides a message of the inventory', () => {
  for (const m of MESSAGES) {
    const anchor = anchorOf(m.template);
    if (anchor.length >= 6) assert.ok(passesCheapTest(`x ${anchor} y`), `${m.program}: ${m.template}`);
  }
});

test('the quick pre-filter never hides a line a cause would match', () => {
  for (const { valid } of Object.values(table)) {
    for (const c of valid) {
      for (const line of c.log.split('\n')) {
        const bare = line.replace(/^[A-Z][a-z]{2} \d\d [\d:]+ \S+ [^:]+: /, '');
        const matched = CAUSES.some((cause) =>
          cause.matchLine?.({
            time: null,
            source: 'plain',
            unit: null,
            pid: null,
            level: 'info',
            text: bare,
            line: 1,
          }),
        );
        if (matched) assert.ok(passesCheapTest(bare), bare);
      }
    }
  }
});

test('public fixtures: each real log from a public thread gets the cause the thread confirmed', () => {
  const index = JSON.parse(
    readFileSync(new URL('../fixtures/public/index.json', import.meta.url), 'utf8'),
  ) as {
    file: string;
    source: string;
    cause: string;
    fatal: string;
    /** What the log alone can honestly say, where it cannot tell the confirmed cause from another story. */
    offline?: string;
  }[];
  assert.ok(index.length >= 40, `at least 40 public fixtures, found ${index.length}`);
  const wrong: string[] = [];
  for (const f of index) {
    assert.match(f.source, /^https:\/\//, f.file);
    const text = readFileSync(new URL(`../fixtures/public/${f.file}`, import.meta.url), 'utf8');
    const d = diagnoseText(text, f.file);
    const want = f.offline ?? f.cause;
    if (d.cause?.id !== want || !d.firstFatal?.line.includes(f.fatal)) {
      wrong.push(`${f.file}: want ${want} at '${f.fatal}', got ${d.cause?.id} at '${d.firstFatal?.line}'`);
    }
  }
  assert.deepEqual(wrong, []);
});

test("systemd's own SIGKILL at a stop that timed out is not an OOM kill: a stopped worker stays worker_down", () => {
  // medic's testbed: a unit that ignores SIGTERM (TimeoutStopSec=2), stopped; journalctl -u … -o json
  const text = readFileSync(
    new URL('../fixtures/journal/stop-timeout-sigkill.jsonl', import.meta.url),
    'utf8',
  );
  assert.match(text, /State 'stop-sigterm' timed out\. Killing\./);
  assert.match(text, /Main process exited, code=killed, status=9\/KILL/);
  for (const live of [false, true]) {
    const d = diagnoseText(text, 'stop.json', new Date(), { kernelLogRead: live });
    assert.equal(d.cause?.id, 'worker_down');
    assert.ok(!d.alternatives.some((a) => a.id === 'oom_killed'));
    // the stop's own SIGKILL (the app ignored SIGTERM) is the weaker explanation
    assert.deepEqual(
      d.alternatives.filter((a) => a.id === 'killed_by_signal').map((a) => a.confidence),
      ['low'],
    );
  }
  // a SIGKILL with no stop before it is still read as before
  const sigkill = readFileSync(
    new URL('../fixtures/journal/flaskapp-sigkill.jsonl', import.meta.url),
    'utf8',
  );
  assert.equal(diagnoseText(sigkill, 'kill.json').cause?.id, 'oom_killed');
});

test('docs/causes.md is generated from the catalog and the inventory, and up to date', async () => {
  const { causesDoc } = await import('../../src/report/causes.ts');
  const current = readFileSync(new URL('../../docs/causes.md', import.meta.url), 'utf8');
  assert.equal(current, causesDoc(), 'docs/causes.md is out of date: run npm run docs');
  for (const c of CAUSES) assert.match(current, new RegExp(`^## ${c.meta.id}$`, 'm'));
});

test('the corpus of real logs: the diagnosis does not fall back (npm run eval prints every miss)', async () => {
  const { corpus, score } = await import('../../scripts/eval.ts');
  const cases = corpus();
  assert.ok(cases.length >= 250, `${cases.length} cases`);
  for (const c of cases) assert.match(c.source, /^https:\/\//, c.file);
  const s = await score(cases);
  // The floors are the figures of the last change, minus one case: raise them as the rules improve.
  // (250 of 264 causes since the held-out batch b15 came in with its two misses; 238 of 250 before it)
  assert.ok(s.causeHits / s.known >= 0.943, `cause ${s.causeHits} of ${s.known}\n${s.misses.join('\n')}`);
  assert.ok(
    s.fatalHits / s.cases >= 0.955,
    `first fatal ${s.fatalHits} of ${s.cases}\n${s.misses.join('\n')}`,
  );
  assert.ok(s.wrongOnNone <= 1, `wrong on none: ${s.wrongOnNone}\n${s.misses.join('\n')}`);
});

test('a WORKER TIMEOUT under gevent: unknown, the line cited, and why a longer --timeout will not help', () => {
  const d = diagnoseText(
    '[2026-11-21 20:20:01 +0000] [7] [INFO] Using worker: gevent\n[2026-11-21 20:22:13 +0000] [7] [CRITICAL] WORKER TIMEOUT (pid:12)',
  );
  assert.equal(d.cause?.id, 'unknown');
  assert.match(d.firstFatal?.line ?? '', /WORKER TIMEOUT/);
  assert.ok(d.cause?.evidence.some((e) => /workers are gevent.*--timeout will not help/.test(e)));
});

test('a restart that completed, then a SIGKILL: the OOM killer, not the stop', () => {
  // medic's testbed, scenario oom_kill: the scenario restarts fastapi, then the kernel kills it
  const log = [
    'Dec 01 04:30:00 web1 systemd[1]: Stopping fastapi.service - fastapi (FastAPI under Uvicorn)...',
    'Dec 01 04:30:01 web1 systemd[1]: Stopped fastapi.service - fastapi (FastAPI under Uvicorn).',
    'Dec 01 04:30:01 web1 systemd[1]: Started fastapi.service - fastapi (FastAPI under Uvicorn).',
    'Dec 01 04:30:02 web1 kernel: Memory cgroup out of memory: Killed process 2516 (uvicorn) total-vm:268544kB, anon-rss:187720kB, file-rss:17808kB, shmem-rss:0kB, UID:33 pgtables:472kB oom_score_adj:0',
    'Dec 01 04:30:02 web1 systemd[1]: fastapi.service: Main process exited, code=killed, status=9/KILL',
  ].join('\n');
  assert.equal(diagnoseText(log, 'pasted.txt').cause?.id, 'oom_killed');
  // the same SIGKILL right after docker compose down is the stop's timeout
  const compose = ['$ docker compose down', 'app-web-1 exited with code 137'].join('\n');
  assert.equal(diagnoseText(compose, 'compose.txt').cause?.id, 'killed_by_signal');
});

const lineEvent = (text: string) =>
  ({ time: null, source: 'plain', unit: null, pid: null, level: 'info', text, line: 1 }) as const;
const bareLines = () =>
  Object.entries(table).flatMap(([id, { valid }]) =>
    valid.flatMap((c) =>
      c.log.split('\n').map((l) => ({ id, line: l.replace(/^[A-Z][a-z]{2} \d\d [\d:]+ \S+ [^:]+: /, '') })),
    ),
  );

test("a cause's own cheap words (meta.worthMatching) pass every line its line matcher claims", () => {
  for (const cause of CAUSES) {
    if (!cause.matchLine) continue;
    assert.ok(cause.meta.worthMatching, `${cause.meta.id} has a line matcher and no worthMatching`);
    for (const { line } of bareLines())
      if (cause.matchLine(lineEvent(line)))
        assert.match(line, cause.meta.worthMatching, `${cause.meta.id} claims a line its words miss`);
  }
});

test('the cause index: every file that exports a cause is listed once, ids are unique', async () => {
  const exported = await rulesExported('causes', (v) => typeof (v as { fix?: unknown }).fix === 'function');
  for (const { file, rule } of exported)
    assert.ok(
      CAUSES.some((c) => c === rule),
      `${file} exports ${rule.meta.id}, not in index.ts`,
    );
  const ids = CAUSES.map((c) => c.meta.id);
  assert.equal(new Set(ids).size, ids.length, 'a cause id appears twice');
  assert.deepEqual([...new Set(exported.map((e) => e.rule.meta.id))].sort(), [...ids].sort());
});

// A line or traceback belongs to the first cause in the index that claims it: where two causes claim the same
// lines, the more specific meaning (a dropped connection before "cannot reach the database") must come first.
test('the cause index: a cause comes before every cause its meta says it precedes', () => {
  const at = new Map(CAUSES.map((c, i) => [c.meta.id, i]));
  for (const c of CAUSES)
    for (const later of c.meta.precedes ?? []) {
      assert.ok(at.has(later), `${c.meta.id} precedes an unknown cause ${later}`);
      assert.ok((at.get(c.meta.id) ?? 0) < (at.get(later) ?? 0), `${c.meta.id} must come before ${later}`);
    }
});

test('the cause index: a line two line matchers claim goes to the one whose meta says it precedes the other', () => {
  for (const { id, line } of bareLines()) {
    const claims = CAUSES.filter((c) => c.matchLine?.(lineEvent(line)));
    if (claims.length < 2 || !claims.some((c) => c.meta.id === id)) continue;
    const [first, ...rest] = claims;
    for (const other of rest)
      assert.ok(
        first?.meta.precedes?.includes(other.meta.id),
        `${first?.meta.id} and ${other.meta.id} both claim: ${line}`,
      );
  }
});

test('the status: a cause that leaves the site up (meta.degrades) reads "degraded", another "failing"', () => {
  const degraded = CAUSES.filter((c) => c.meta.degrades).map((c) => c.meta.id);
  assert.ok(degraded.includes('worker_down') && degraded.includes('app_exception'));
  assert.ok(!degraded.includes('db_unreachable') && !degraded.includes('unit_misconfigured'));
  const worker = diagnoseText(table.worker_down?.valid[0]?.log ?? '', 'input', new Date());
  assert.equal(worker.cause?.id, 'worker_down');
  assert.equal(worker.status, 'degraded');
  const crash = diagnoseText(table.missing_dependency?.valid[0]?.log ?? '', 'input', new Date());
  assert.equal(crash.cause?.id, 'missing_dependency');
  assert.equal(crash.status, 'failing');
});
