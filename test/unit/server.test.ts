// Recognising the app server from the command that starts it: the testbed's units and config files,
// public units (test/fixtures/systemd), and command lines from public deployments, cited where used.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  type AppServer,
  type Bind,
  type ServerContext,
  appServerOf,
  configAssignments,
  parseBind,
  pythonEnvOf,
} from '../../src/app/server.ts';
import { matchesGlob, parseNginx } from '../../src/nginx/config.ts';
import { siteForBind, sitesOf } from '../../src/nginx/sites.ts';
import { parseUnitFile, splitCommandLine, unitValue } from '../../src/systemd/unit.ts';

const FILES = new URL('../../testbed/image/files/', import.meta.url);
const testbedFile = (path: string) => readFileSync(new URL(path.replace(/^\//, ''), FILES), 'utf8');
const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/systemd/${name}`, import.meta.url), 'utf8');

/** The server a unit's ExecStart= starts, read with the unit's WorkingDirectory and a file reader. */
function serverOfUnit(unitText: string, read: ServerContext['read'] = () => undefined): AppServer | null {
  const unit = parseUnitFile(unitText);
  const command = splitCommandLine(unitValue(unit, 'Service', 'ExecStart') ?? '');
  assert.ok(command);
  const cwd = unitValue(unit, 'Service', 'WorkingDirectory');
  return appServerOf(command.argv, cwd === undefined ? { read } : { read, cwd });
}

function server(argv: string | string[], context: ServerContext = {}): AppServer {
  const found = appServerOf(typeof argv === 'string' ? argv.split(' ') : argv, context);
  assert.ok(found, `a server in ${String(argv)}`);
  return found;
}

const tcp = (host: string, port: number): Bind => ({ kind: 'tcp', host, port });
const unix = (path: string): Bind => ({ kind: 'unix', path });

test('parseBind: the address forms of gunicorn, uvicorn, hypercorn and waitress', () => {
  const valid: [string, Bind][] = [
    ['unix:/run/x.sock', unix('/run/x.sock')],
    ['unix:///run/x.sock', unix('/run/x.sock')],
    ['0.0.0.0:8000', tcp('0.0.0.0', 8000)],
    ['127.0.0.1:8001', tcp('127.0.0.1', 8001)],
    ['[::1]:8001', tcp('::1', 8001)],
    ['[::]', tcp('::', 8000)],
    [':8000', tcp('0.0.0.0', 8000)],
    ['8000', tcp('127.0.0.1', 8000)],
    ['localhost', tcp('localhost', 8000)],
    ['LOCALHOST:9000', tcp('localhost', 9000)],
    ['tcp://10.0.0.5:8080', tcp('10.0.0.5', 8080)],
    ['::1', tcp('::1', 8000)],
  ];
  for (const [text, bind] of valid) assert.deepEqual(parseBind(text), bind, text);
  for (const text of ['', 'fd://3', '0.0.0.0:http', '127.0.0.1:70000', 'unix:']) {
    assert.equal(parseBind(text), null, text);
  }
  assert.deepEqual(
    parseBind('8080', '0.0.0.0', 8080),
    tcp('0.0.0.0', 8080),
    'a bare port takes the given default host',
  );
});

test('the testbed units: gunicorn on a socket, uvicorn on TCP, gunicorn from its config file, celery', () => {
  const read = (path: string) => (path === '/srv/djangoapp/gunicorn.conf.py' ? testbedFile(path) : undefined);
  const unit = (name: string) => testbedFile(`etc/systemd/system/${name}`);
  assert.deepEqual(serverOfUnit(unit('flaskapp.service'), read), {
    server: 'gunicorn',
    binds: [unix('/run/flaskapp/gunicorn.sock')],
    module: 'wsgi:app',
    workers: 2,
    timeout: 10,
    python: { binDir: '/srv/flaskapp/.venv/bin', venv: '/srv/flaskapp/.venv' },
    argv: [
      '--workers',
      '2',
      '--timeout',
      '10',
      '--bind',
      'unix:/run/flaskapp/gunicorn.sock',
      '--access-logfile',
      '-',
      'wsgi:app',
    ],
  });
  const fastapi = serverOfUnit(unit('fastapi.service'), read);
  assert.equal(fastapi?.server, 'uvicorn');
  assert.deepEqual(fastapi?.binds, [tcp('127.0.0.1', 8000)]);
  assert.equal(fastapi?.module, 'app.main:app');
  const django = serverOfUnit(unit('djangoapp.service'), read);
  assert.deepEqual(
    [django?.binds, django?.workers, django?.timeout, django?.configFile, django?.configRead, django?.module],
    [[tcp('127.0.0.1', 8001)], 2, 30, '/srv/djangoapp/gunicorn.conf.py', true, 'mysite.wsgi:application'],
  );
  assert.equal(serverOfUnit(unit('djangoapp-celery.service'), read), null, 'a celery worker serves no HTTP');
});

test('each testbed app bind leads to its nginx site; the bind_address_mismatch scenario leads nowhere', () => {
  const nginx = new Map(
    ['djangoapp', 'fastapi', 'flaskapp'].map((s) => [
      `/etc/nginx/sites-enabled/${s}`,
      testbedFile(`etc/nginx/sites-available/${s}`),
    ]),
  );
  nginx.set('/etc/nginx/nginx.conf', 'http { include sites-enabled/*; }');
  const parsed = parseNginx(
    '/etc/nginx/nginx.conf',
    (p) => nginx.get(p),
    (pattern) => [...nginx.keys()].filter((p) => matchesGlob(pattern, p)),
  );
  assert.ok(parsed.ok);
  const sites = sitesOf(parsed.config);
  const conf = testbedFile('/srv/djangoapp/gunicorn.conf.py');
  const siteOf = (unitName: string, confText = conf) => {
    const app = serverOfUnit(testbedFile(`etc/systemd/system/${unitName}`), (p) =>
      p === '/srv/djangoapp/gunicorn.conf.py' ? confText : undefined,
    );
    assert.ok(app?.binds[0]);
    return siteForBind(sites, app.binds[0]).map((s) => s.serverNames[0]);
  };
  assert.deepEqual(siteOf('flaskapp.service'), ['flask.medic.test']);
  assert.deepEqual(siteOf('fastapi.service'), ['fastapi.medic.test']);
  assert.deepEqual(siteOf('djangoapp.service'), ['django.medic.test']);
  // What testbed/scenarios/bind_address_mismatch.sh does to the config file.
  assert.deepEqual(siteOf('djangoapp.service', conf.replace(/^bind = .*/m, 'bind = "[::1]:8001"')), []);
});

test('public units: a uvicorn worker under gunicorn, a socket in a home directory, uvicorn on an address', () => {
  const fastapi = serverOfUnit(fixture('fastapi-gunicorn.service'));
  assert.deepEqual(
    [fastapi?.server, fastapi?.workerClass, fastapi?.workers, fastapi?.module, fastapi?.python?.venv],
    ['gunicorn', 'uvicorn.workers.UvicornWorker', 4, 'app.main:app', '/home/henry/fastapi/venv'],
  );
  assert.deepEqual(fastapi?.binds, [tcp('0.0.0.0', 8000)]);
  const andynor = serverOfUnit(fixture('andynor-gunicorn.service'));
  assert.deepEqual(andynor?.binds, [unix('/home/django/gunicorn.socket')]);
  assert.equal(andynor?.python?.venv, '/home/django/django_project/python3.13-env');
  const uvicorn = serverOfUnit(fixture('uvicorn-issue-678.service'));
  assert.deepEqual(
    [uvicorn?.server, uvicorn?.binds, uvicorn?.module],
    ['uvicorn', [tcp('11.202.96.136', 8000)], 'myproject.asgi:application'],
  );
});

test('command lines from public deployments and the servers documentation', () => {
  const cases: { argv: string; source?: string; expect: Partial<AppServer> }[] = [
    {
      source: 'https://github.com/ovsergeyev/architecture-sprint-3/blob/HEAD/telemetry/app.sh',
      argv: 'gunicorn --access-logfile /var/access.log --error-logfile /var/error.log --log-level debug main:app --workers 4 --worker-class uvicorn.workers.UvicornWorker --bind=0.0.0.0:8000',
      expect: {
        module: 'main:app',
        workers: 4,
        workerClass: 'uvicorn.workers.UvicornWorker',
        binds: [tcp('0.0.0.0', 8000)],
      },
    },
    {
      source: 'https://github.com/suhaJamal/KitabiAI/blob/HEAD/startup.sh',
      argv: 'gunicorn -w 2 -k uvicorn.workers.UvicornWorker app.main:app --bind 0.0.0.0:8000 --timeout 300 --graceful-timeout 300',
      expect: { timeout: 300, workers: 2, module: 'app.main:app' },
    },
    {
      source: 'https://github.com/benoitc/gunicorn/blob/HEAD/docs/source/deploy.rst',
      argv: '/usr/bin/gunicorn --bind unix:/run/gunicorn.sock applicationname.wsgi',
      expect: { binds: [unix('/run/gunicorn.sock')], python: { binDir: '/usr/bin' } },
    },
    {
      argv: 'gunicorn -w4 -b:8000 -b unix:/run/x.sock pkg:create_app()',
      expect: { workers: 4, binds: [tcp('0.0.0.0', 8000), unix('/run/x.sock')] },
    },
    { argv: 'gunicorn app:app', expect: { binds: [tcp('127.0.0.1', 8000)] } },
    { argv: 'gunicorn --bind fd://3 app:app', expect: { binds: [], fds: [3] } },
    { argv: 'gunicorn --chdir /srv/app/src -D wsgi', expect: { chdir: '/srv/app/src', module: 'wsgi' } },
    {
      argv: '/srv/app/venv/bin/python3 -m uvicorn --uds /run/app.sock --factory app.main:create_app',
      expect: {
        server: 'uvicorn',
        binds: [unix('/run/app.sock')],
        factory: true,
        module: 'app.main:create_app',
        python: {
          binDir: '/srv/app/venv/bin',
          venv: '/srv/app/venv',
          interpreter: '/srv/app/venv/bin/python3',
        },
      },
    },
    {
      source: 'https://github.com/Kludex/uvicorn/issues/368',
      argv: '/home/tas/bin/uvicorn maq_tasks.asgi:application --workers 3 --log-level debug --fd 0',
      expect: { binds: [], fds: [0], workers: 3, module: 'maq_tasks.asgi:application' },
    },
    {
      argv: 'uvicorn --host :: --port 8080 --app-dir src app:app',
      expect: { binds: [tcp('::', 8080)], appDir: 'src' },
    },
    {
      argv: 'python3.12 -m gunicorn -k uvicorn.workers.UvicornWorker app:app',
      expect: { server: 'gunicorn', python: undefined },
    },
    {
      argv: 'daphne -b 0.0.0.0 -p 8001 myproject.asgi:application',
      expect: { server: 'daphne', binds: [tcp('0.0.0.0', 8001)] },
    },
    {
      argv: 'daphne -u /run/daphne/daphne.sock mysite.asgi:application',
      expect: { binds: [unix('/run/daphne/daphne.sock')] },
    },
    { argv: 'daphne -p 8002 mysite.asgi:application', expect: { binds: [tcp('127.0.0.1', 8002)] } },
    {
      argv: 'daphne -e tcp:port=8003:interface=127.0.0.1 -e unix:/run/d.sock x.asgi:app',
      expect: { binds: [tcp('127.0.0.1', 8003), unix('/run/d.sock')] },
    },
    { argv: 'daphne --http-timeout 60 x.asgi:app', expect: { binds: [tcp('127.0.0.1', 8000)], timeout: 60 } },
    {
      argv: 'hypercorn -b 0.0.0.0:8000 -b unix:/run/h.sock -w 2 app:app',
      expect: { server: 'hypercorn', workers: 2, binds: [tcp('0.0.0.0', 8000), unix('/run/h.sock')] },
    },
    {
      argv: 'hypercorn --bind [::]:443 -k uvloop app:app',
      expect: { binds: [tcp('::', 443)], workerClass: 'uvloop' },
    },
    {
      argv: 'waitress-serve --listen=127.0.0.1:8080 --listen=[::1]:8080 myapp:wsgifunc',
      expect: { server: 'waitress', binds: [tcp('127.0.0.1', 8080), tcp('::1', 8080)] },
    },
    {
      argv: 'waitress-serve --port=8041 --call myapp:create_app',
      expect: { binds: [tcp('0.0.0.0', 8041)], factory: true },
    },
    { argv: 'waitress-serve --unix-socket=/run/w.sock app:app', expect: { binds: [unix('/run/w.sock')] } },
    {
      argv: 'python manage.py runserver 0.0.0.0:8000',
      expect: { server: 'django-runserver', binds: [tcp('0.0.0.0', 8000)] },
    },
    { argv: 'python manage.py runserver 0:8000 --noreload', expect: { binds: [tcp('0.0.0.0', 8000)] } },
    {
      argv: '/srv/d/venv/bin/python /srv/d/manage.py runserver',
      expect: {
        binds: [tcp('127.0.0.1', 8000)],
        chdir: '/srv/d',
        python: { binDir: '/srv/d/venv/bin', venv: '/srv/d/venv', interpreter: '/srv/d/venv/bin/python' },
      },
    },
    { argv: 'python3 manage.py runserver -6', expect: { binds: [tcp('::1', 8000)] } },
    {
      argv: 'poetry run uvicorn app:app --port 9000',
      expect: { server: 'uvicorn', binds: [tcp('127.0.0.1', 9000)] },
    },
  ];
  for (const c of cases) {
    const found = server(c.argv);
    for (const [key, value] of Object.entries(c.expect)) {
      assert.deepEqual(found[key as keyof AppServer], value, `${c.argv}: ${key}`);
    }
  }
});

test('commands that start no app server', () => {
  for (const argv of [
    '/srv/djangoapp/.venv/bin/celery -A mysite worker',
    '/usr/sbin/nginx -g daemon off;',
    'python manage.py migrate',
    'python -c import app',
    '/bin/sh -c echo ready',
    '',
  ]) {
    assert.equal(appServerOf(argv === '' ? [] : argv.split(' ')), null, argv);
  }
});

test('wrappers: sh -c with cd and an activated venv, env assignments, GUNICORN_CMD_ARGS and $PORT', () => {
  const shell = server([
    '/bin/bash',
    '-c',
    "cd /srv/app && source venv/bin/activate && exec gunicorn -b '127.0.0.1:9000' app:app",
  ]);
  assert.deepEqual(
    [shell.server, shell.binds, shell.python],
    ['gunicorn', [tcp('127.0.0.1', 9000)], { binDir: '/srv/app/venv/bin', venv: '/srv/app/venv' }],
  );
  assert.deepEqual(server('env PORT=5000 gunicorn app:app').binds, [tcp('0.0.0.0', 5000)]);
  const fromEnv = server([
    '/usr/bin/env',
    'GUNICORN_CMD_ARGS=--bind=0.0.0.0:9000 --workers=3',
    'gunicorn',
    'app:app',
  ]);
  assert.deepEqual([fromEnv.binds, fromEnv.workers], [[tcp('0.0.0.0', 9000)], 3]);
  const overridden = server('gunicorn -w 5 app:app', {
    env: { GUNICORN_CMD_ARGS: '--workers=3', WEB_CONCURRENCY: '9' },
  });
  assert.equal(overridden.workers, 5, 'the command line wins over GUNICORN_CMD_ARGS');
  assert.equal(server('gunicorn app:app', { env: { WEB_CONCURRENCY: '9' } }).workers, 9);
  const uvicornEnv = server('uvicorn app:app', { env: { UVICORN_HOST: '0.0.0.0', UVICORN_PORT: '7000' } });
  assert.deepEqual(uvicornEnv.binds, [tcp('0.0.0.0', 7000)]);
});

test('gunicorn config files: -c, the default ./gunicorn.conf.py, python: modules, unreadable files', () => {
  const files = new Map([
    [
      '/srv/app/gunicorn.conf.py',
      'bind = ["0.0.0.0:8000", "unix:/run/app.sock"]\nworkers = 3\nwsgi_app = "app:app"\n',
    ],
    ['/srv/app/conf/prod.py', 'bind = "127.0.0.1:8100"\ntimeout = 60\n'],
  ]);
  const read = (path: string) => files.get(path);
  const byDefault = server('gunicorn', { read, cwd: '/srv/app' });
  assert.deepEqual(
    [byDefault.binds, byDefault.workers, byDefault.module, byDefault.configFile],
    [[tcp('0.0.0.0', 8000), unix('/run/app.sock')], 3, 'app:app', '/srv/app/gunicorn.conf.py'],
  );
  const explicit = server('gunicorn -c conf/prod.py -b 127.0.0.1:8200 app:app', { read, cwd: '/srv/app' });
  assert.deepEqual(
    [explicit.binds, explicit.timeout],
    [[tcp('127.0.0.1', 8200)], 60],
    'the command line wins over -c',
  );
  const module = server('gunicorn -c python:config.gunicorn app:app', { read });
  assert.deepEqual(
    [module.configFile, module.configRead, module.binds],
    ['python:config.gunicorn', false, [tcp('127.0.0.1', 8000)]],
  );
  const unreadable = server('gunicorn -c /etc/gunicorn/app.py app:app', { read });
  assert.equal(unreadable.configRead, false);
});

test("the simple assignments of a Python config file, gunicorn's example config among them", () => {
  // From https://github.com/benoitc/gunicorn/blob/HEAD/examples/example_config.py
  const example = [
    "bind = '127.0.0.1:8000'",
    'backlog = 2048',
    '',
    'workers = 1',
    "worker_class = 'sync'",
    'timeout = 30',
    'raw_env = [',
    "    'DJANGO_SECRET_KEY=something',",
    "    'SPAM=eggs',",
    ']',
    'pidfile = None',
    'daemon = False',
    'access_log_format = \'%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"\'',
    'def worker_int(worker):',
    '    code = []',
  ].join('\n');
  const settings = configAssignments(example);
  assert.deepEqual(Object.fromEntries(settings), {
    bind: '127.0.0.1:8000',
    backlog: 2048,
    workers: 1,
    worker_class: 'sync',
    timeout: 30,
    raw_env: ['DJANGO_SECRET_KEY=something', 'SPAM=eggs'],
    pidfile: null,
    daemon: false,
    access_log_format: '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"',
  });
  const cases: { text: string; env?: Record<string, string>; value: unknown }[] = [
    { text: 'bind = "0.0.0.0:" + os.environ.get("PORT", "8000")', value: '0.0.0.0:8000' },
    {
      text: 'bind = "0.0.0.0:" + os.environ.get("PORT", "8000")',
      env: { PORT: '9000' },
      value: '0.0.0.0:9000',
    },
    { text: 'bind = os.environ["BIND"]', value: undefined },
    { text: 'timeout = int(os.getenv("TIMEOUT", "60"))', value: 60 },
    { text: 'bind = ("127.0.0.1:8000", "[::1]:8000")', value: ['127.0.0.1:8000', '[::1]:8000'] },
    { text: "bind = ('unix:/run/x.sock')  # one socket", value: 'unix:/run/x.sock' },
    { text: 'workers = multiprocessing.cpu_count() * 2 + 1', value: undefined },
    { text: 'workers = 2 * 2 + 1', value: 5 },
    { text: 'bind = f"0.0.0.0:{port}"', value: undefined },
    { text: 'bind = \\\n    "0.0.0.0:8000"', value: '0.0.0.0:8000' },
    { text: 'bind == "x"', value: undefined },
  ];
  for (const c of cases)
    assert.deepEqual(configAssignments(c.text, c.env).get(c.text.split(/\s/)[0] ?? ''), c.value, c.text);
});

test('the virtualenv of an executable', () => {
  const cases: [string, ReturnType<typeof pythonEnvOf>][] = [
    ['/srv/app/venv/bin/gunicorn', { binDir: '/srv/app/venv/bin', venv: '/srv/app/venv' }],
    [
      '/home/pasta/miniconda3/envs/gatekeeper/bin/gunicorn',
      {
        binDir: '/home/pasta/miniconda3/envs/gatekeeper/bin',
        venv: '/home/pasta/miniconda3/envs/gatekeeper',
      },
    ],
    ['/usr/local/bin/gunicorn', { binDir: '/usr/local/bin' }],
    ['/home/u/.local/bin/uvicorn', { binDir: '/home/u/.local/bin' }],
    ['gunicorn', undefined],
  ];
  for (const [path, env] of cases) assert.deepEqual(pythonEnvOf(path), env, path);
  assert.deepEqual(pythonEnvOf('.venv/bin/python', true, '/srv/app'), {
    binDir: '/srv/app/.venv/bin',
    venv: '/srv/app/.venv',
    interpreter: '/srv/app/.venv/bin/python',
  });
});
