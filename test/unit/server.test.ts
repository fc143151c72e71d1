// Recognising the app server from the command that starts it: the testbed's units and config files,
// public units (test/fixtures/systemd), and command lines from public deployments, cited where used.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { type Bind, parseBind } from '../../src/app/bind.ts';
import { analyseConfig, configAssignments } from '../../src/app/python-config.ts';
import { pythonEnvOf } from '../../src/app/python-env.ts';
import { type AppServer, type ServerContext, appServerOf } from '../../src/app/server.ts';
import { parseEnvFile } from '../../src/app/envfile.ts';
import { matchesGlob, parseNginx, parseNginxText } from '../../src/nginx/config.ts';
import { siteForBind, sitesOf } from '../../src/nginx/sites.ts';
import {
  expandCommandLine,
  parseSystemctlCat,
  parseUnitFile,
  splitCommandLine,
  unitValue,
} from '../../src/systemd/unit.ts';

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

const gunicornFixture = (name: string) =>
  readFileSync(new URL(`../fixtures/gunicorn/${name}`, import.meta.url), 'utf8');
const nginxFixture = (name: string) =>
  readFileSync(new URL(`../fixtures/nginx/${name}`, import.meta.url), 'utf8');

test('public gunicorn config files: binds, workers, timeout and worker class through appServerOf', () => {
  const uvicornWorker = 'uvicorn.workers.UvicornWorker';
  const cases: {
    fixture: string;
    env?: Record<string, string>;
    cpus?: number;
    expect: Pick<AppServer, 'binds' | 'workers' | 'timeout' | 'workerClass' | 'chdir' | 'module'>;
  }[] = [
    // int(os.getenv("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
    { fixture: 'prac_payment.gunicorn_conf.py', expect: { binds: [tcp('0.0.0.0', 8000)], timeout: 60 } },
    {
      fixture: 'prac_payment.gunicorn_conf.py',
      env: { GUNICORN_WORKERS: '4', GUNICORN_BIND: 'unix:/run/pay.sock', GUNICORN_TIMEOUT: '90' },
      expect: { binds: [unix('/run/pay.sock')], workers: 4, timeout: 90 },
    },
    {
      fixture: 'prac_payment.gunicorn_conf.py',
      cpus: 2,
      expect: { binds: [tcp('0.0.0.0', 8000)], workers: 5, timeout: 60 },
    },
    { fixture: 'react_api.gunicorn.conf.py', expect: { binds: [tcp('127.0.0.1', 5000)], timeout: 120 } },
    {
      fixture: 'react_api.gunicorn.conf.py',
      cpus: 4,
      expect: { binds: [tcp('127.0.0.1', 5000)], workers: 5, timeout: 120 },
    },
    {
      fixture: 'alcf-facility-api.gunicorn.config.production.py',
      expect: { binds: [tcp('127.0.0.1', 8000)], workers: 2, timeout: 60, workerClass: uvicornWorker },
    },
    {
      fixture: 'ec2-deployment-cheatsheet.gunicorn-config.py',
      cpus: 4,
      expect: { binds: [unix('/tmp/gunicorn.sock')], workers: 9 },
    },
    {
      // from multiprocessing import cpu_count
      fixture: 'air-quality-rest-api.gunicorn.conf.py',
      cpus: 2,
      expect: {
        binds: [unix('/run/gunicorn.socket')],
        workers: 5,
        timeout: 0,
        chdir: '/app/src/api',
        module: 'app:app',
      },
    },
    {
      // workers: int = cpu_count() * 2 + 1
      fixture: 'fastapi-template.gunicorn.conf.py',
      cpus: 1,
      expect: { binds: [tcp('0.0.0.0', 8080)], workers: 3, workerClass: uvicornWorker },
    },
    {
      fixture: 'web-backend.gunicorn-PROD.conf.py',
      expect: { binds: [unix('/tmp/web-backend-NONE.sock')], workers: 1 },
    },
    {
      fixture: 'web-backend.gunicorn-PROD.conf.py',
      env: { DJANGO_ENV: 'PROD' },
      expect: { binds: [unix('/tmp/web-backend-PROD.sock')], workers: 1 },
    },
    {
      fixture: 'SalonConnect.gunicorn.conf.py',
      expect: { binds: [tcp('0.0.0.0', 8000)], workers: 2, timeout: 120, workerClass: uvicornWorker },
    },
    {
      fixture: 'SalonConnect.gunicorn.conf.py',
      env: { PORT: '10000' },
      expect: { binds: [tcp('0.0.0.0', 10000)], workers: 2, timeout: 120, workerClass: uvicornWorker },
    },
    {
      fixture: 'netbox.gunicorn.conf',
      expect: { binds: [tcp('127.0.0.1', 8001)], workers: 3, timeout: 120 },
    },
    // bind = '0:8000' binds every IPv4 address.
    { fixture: 'zetic.gunicorn.conf.py', expect: { binds: [tcp('0.0.0.0', 8000)], workers: 3 } },
  ];
  for (const c of cases) {
    const text = gunicornFixture(c.fixture);
    assert.match(text.split('\n')[0] ?? '', /^# source: https:\/\//, c.fixture);
    const context: ServerContext = { read: (p) => (p === '/etc/gunicorn.conf.py' ? text : undefined) };
    if (c.env) context.env = c.env;
    if (c.cpus !== undefined) context.cpus = c.cpus;
    const app = server(['gunicorn', '-c', '/etc/gunicorn.conf.py'], context);
    const got = { binds: app.binds } as (typeof c)['expect'];
    for (const key of ['workers', 'timeout', 'workerClass', 'chdir', 'module'] as const) {
      if (app[key] !== undefined) Object.assign(got, { [key]: app[key] });
    }
    assert.deepEqual(got, c.expect, `${c.fixture} ${JSON.stringify(c.env ?? {})} cpus=${c.cpus}`);
    assert.equal(app.configRead, true, c.fixture);
  }
});

test('configAssignments of public config files: what they set, and what stays unknown', () => {
  assert.deepEqual(
    Object.fromEntries(configAssignments(gunicornFixture('air-quality-rest-api.gunicorn.conf.py'))),
    {
      wsgi_app: 'app:app',
      disable_redirect_access_to_syslog: true,
      preload_app: true,
      chdir: '/app/src/api',
      pidfile: '/run/.pid',
      bind: ['unix:/run/gunicorn.socket'],
      threads: 2,
      timeout: 0,
    },
  );
  assert.deepEqual(Object.fromEntries(configAssignments(gunicornFixture('prac_payment.gunicorn_conf.py'))), {
    bind: '0.0.0.0:8000',
    timeout: 60,
    loglevel: 'info',
    accesslog: '-',
    errorlog: '-',
  });
  // Without the CPU count the workers of these files are unknown: not WEB_CONCURRENCY, not 1.
  for (const name of ['prac_payment.gunicorn_conf.py', 'ec2-deployment-cheatsheet.gunicorn-config.py']) {
    const app = server(['gunicorn', '-c', '/c.py'], {
      read: () => gunicornFixture(name),
      env: { WEB_CONCURRENCY: '7' },
    });
    assert.equal(app.workers, undefined, name);
    assert.deepEqual(app.unresolved, ['workers'], name);
  }
  assert.equal(
    server('gunicorn -c /c.py -w 2', { read: () => gunicornFixture('react_api.gunicorn.conf.py') })
      .unresolved,
    undefined,
  );
});

test('Python config evaluation: defaults only when needed, f-strings, annotations, blocks, names, arithmetic', () => {
  const cases: {
    text: string;
    env?: Record<string, string>;
    cpus?: number;
    name?: string;
    value: unknown;
  }[] = [
    // The default of os.getenv matters only when the variable is unset.
    { text: 'workers = int(os.getenv("W", multiprocessing.cpu_count()))', env: { W: '6' }, value: 6 },
    { text: 'workers = int(os.getenv("W", multiprocessing.cpu_count()))', value: undefined },
    { text: 'workers = int(os.getenv("W", multiprocessing.cpu_count()))', cpus: 3, value: 3 },
    { text: 'workers = os.cpu_count() // 2 or 1', cpus: 1, value: 1 },
    { text: 'workers = max(1, min(4, multiprocessing.cpu_count() // 2))', cpus: 16, value: 4 },
    {
      text: 'workers = 4 if os.environ.get("ENV") == "production" else 1',
      env: { ENV: 'production' },
      value: 4,
    },
    { text: 'workers = 4 if os.environ.get("ENV", "dev") == "production" else 1', value: 1 },
    { text: 'bind = f"0.0.0.0:{os.getenv(\'PORT\', 8080)}"', value: '0.0.0.0:8080' },
    { text: "bind = f'{HOST}:{PORT}'", value: undefined },
    { text: 'bind = f"{{literal}}:8000"', value: '{literal}:8000' },
    { text: 'bind = f"0.0.0.0:{port!r}"', value: undefined },
    { text: 'workers: int = 3', value: 3 },
    { text: 'timeout = 30\ntimeout += 30', name: 'timeout', value: 60 },
    {
      text: 'PORT = os.environ.get("PORT", "5000")\nbind = ["0.0.0.0:" + PORT]',
      name: 'bind',
      value: ['0.0.0.0:5000'],
    },
    { text: 'bind = ["0.0.0.0:{}".format(PORT)]', value: undefined },
    { text: 'bind = "127.0.0.1:8000"\nif DEBUG:\n    bind = "0.0.0.0:8000"', name: 'bind', value: undefined },
    { text: 'bind = "127.0.0.1:8000"\nif DEBUG: bind = "0.0.0.0:8000"', name: 'bind', value: undefined },
    {
      text: 'def on_starting(server):\n    bind = "x"\n\nbind = "127.0.0.1:9000"',
      name: 'bind',
      value: '127.0.0.1:9000',
    },
    { text: 'def when_ready(server):\n    workers = 9\nworkers = 2', name: 'workers', value: 2 },
    { text: '"""\nbind = "docstring:1"\n"""\nbind = "real:2"', name: 'bind', value: 'real:2' },
    { text: 'logconfig = dict(\n    bind="not a setting",\n)\nbind = ":9"', name: 'bind', value: ':9' },
    { text: 'raw_env = [\n    "A=1",  # first\n    "B=2",\n]', name: 'raw_env', value: ['A=1', 'B=2'] },
  ];
  for (const c of cases) {
    const name = c.name ?? (c.text.split(/[\s:=]/)[0] as string);
    const options = c.cpus === undefined ? {} : { cpus: c.cpus };
    assert.deepEqual(configAssignments(c.text, c.env, options).get(name), c.value, c.text);
  }
});

test("a config bind medic cannot evaluate leaves the binds unknown instead of gunicorn's default", () => {
  const files = new Map([
    ['/srv/app/dynamic.py', 'import socket\nbind = [f"{socket.gethostname()}:8000"]\nworkers = 3\n'],
    [
      '/srv/app/conditional.py',
      'import os\nif os.path.exists("/run/app"):\n    bind = "unix:/run/app/app.sock"\n',
    ],
  ]);
  const read = (p: string) => files.get(p);
  const dynamic = server('gunicorn -c /srv/app/dynamic.py app:app', { read });
  assert.deepEqual([dynamic.binds, dynamic.unresolved, dynamic.workers], [[], ['binds'], 3]);
  const conditional = server('gunicorn -c /srv/app/conditional.py app:app', { read });
  assert.deepEqual([conditional.binds, conditional.unresolved], [[], ['binds']]);
  const overridden = server('gunicorn -c /srv/app/dynamic.py -b 127.0.0.1:8100 app:app', { read });
  assert.deepEqual([overridden.binds, overridden.unresolved], [[tcp('127.0.0.1', 8100)], undefined]);
  const hypercorn = server('hypercorn -c /srv/app/dynamic.py app:app', { read });
  assert.deepEqual([hypercorn.binds, hypercorn.unresolved], [[], ['binds']]);
});

test('public unit, config and site together: each app bind leads to its nginx site', () => {
  // netbox@.service, its environment file and gunicorn.conf (one commit) with netbox's nginx.conf.
  const netboxUnit = parseUnitFile(fixture('netbox@.service'));
  const env = Object.fromEntries(parseEnvFile(fixture('netbox.env')));
  const written = splitCommandLine(unitValue(netboxUnit, 'Service', 'ExecStart') ?? '');
  assert.ok(written);
  const read = (p: string) =>
    p === '/usr/local/netbox/gunicorn.conf' ? gunicornFixture('netbox.gunicorn.conf') : undefined;
  // As written, "${ConfigPath}" is not a file under the working directory.
  const unexpanded = server(written.argv, { read, cwd: '/opt/netbox', env });
  assert.deepEqual([unexpanded.configFile, unexpanded.configRead], ['${ConfigPath}', false]);
  const netbox = server(expandCommandLine(written, env).argv, { read, env });
  assert.deepEqual(
    [netbox.configFile, netbox.binds, netbox.workers, netbox.timeout, netbox.module],
    ['/usr/local/netbox/gunicorn.conf', [tcp('127.0.0.1', 8001)], 3, 120, 'netbox.wsgi'],
  );
  const sitesOfFixture = (name: string) => {
    const directives = parseNginxText(nginxFixture(name), name);
    assert.ok(Array.isArray(directives), name);
    return sitesOf(directives);
  };
  const names = (name: string, bind: Bind) =>
    siteForBind(sitesOfFixture(name), bind).map((s) => s.serverNames[0]);
  assert.deepEqual(names('netbox-nginx.conf', netbox.binds[0] as Bind), ['netbox.example.com']);

  // The override's gunicorn on 0.0.0.0:8000 behind sureproed.conf's proxy_pass to 127.0.0.1:8000.
  const cat = parseSystemctlCat(fixture('gunicorn.systemctl-cat.txt'));
  const sureproed = serverOfUnit(
    [
      '[Service]',
      `WorkingDirectory=${unitValue(cat, 'Service', 'WorkingDirectory')}`,
      `ExecStart=${unitValue(cat, 'Service', 'ExecStart')}`,
    ].join('\n'),
  );
  assert.deepEqual(
    [sureproed?.server, sureproed?.workerClass, sureproed?.workers, sureproed?.binds],
    ['gunicorn', 'uvicorn.workers.UvicornWorker', 4, [tcp('0.0.0.0', 8000)]],
  );
  assert.deepEqual(names('sureproed.conf', sureproed?.binds[0] as Bind), ['api.sureproed.com']);

  // Weblate's example unit and its example nginx site share /run/gunicorn.sock.
  const weblate = serverOfUnit(fixture('weblate-gunicorn.service'));
  assert.deepEqual(
    [weblate?.binds, weblate?.workers, weblate?.timeout, weblate?.workerClass],
    [[unix('/run/gunicorn.sock')], 2, 3600, 'gthread'],
  );
  assert.deepEqual(names('weblate.nginx.gunicorn.conf', weblate?.binds[0] as Bind), ['weblate']);

  // daphne run by the virtualenv's python; uvicorn behind bash --login -c.
  const daphne = serverOfUnit(fixture('heytelepat-daphne.service'));
  assert.deepEqual(
    [daphne?.server, daphne?.binds, daphne?.module, daphne?.python?.venv],
    ['daphne', [tcp('0.0.0.0', 8001)], 'heytelepat.asgi:application', '/home/tikhon/heytelepat-server/env'],
  );
  const uvicorn = serverOfUnit(fixture('uvicorn-demo.service'));
  assert.deepEqual(
    [uvicorn?.server, uvicorn?.binds, uvicorn?.module],
    ['uvicorn', [tcp('0.0.0.0', 5000)], 'example:app'],
  );
  const paperless = serverOfUnit(fixture('paperless-webserver.service'));
  assert.deepEqual(
    [paperless?.binds, paperless?.workers, paperless?.python],
    [[tcp('0.0.0.0', 8000)], 2, { binDir: '/opt/paperless/.local/bin' }],
  );
  assert.equal(serverOfUnit(fixture('chemminetools-celery.service')), null, 'celery multi serves no HTTP');
});

test('parseBind reads "0" as 0.0.0.0, as inet_aton does', () => {
  assert.deepEqual(parseBind('0:8000'), tcp('0.0.0.0', 8000));
  assert.deepEqual(server('uvicorn app:app --host 0 --port 8000').binds, [tcp('0.0.0.0', 8000)]);
});

// Inputs found by the fuzz of the parsers (test/fuzz/parsers.fuzz.ts), shrunk.
test('hostile config files: a bracket or a triple quote left open over thousands of lines is read once', () => {
  // each line a statement gained made it tokenize the whole statement again: 4.5 s for 4,000 lines
  let start = performance.now();
  const open = analyseConfig(`bind = [\n${'"a",\n'.repeat(4000)}workers = 3\n`);
  assert.ok(performance.now() - start < 2000);
  assert.ok(
    open.unresolved.has('bind'),
    'a bracket never closed: the rest of the file is part of the statement',
  );
  assert.equal(open.values.get('workers'), undefined);
  start = performance.now();
  const doc = analyseConfig(`x = """\n${'text\n'.repeat(16_000)}"""\nworkers = 3\n`);
  assert.ok(performance.now() - start < 2000);
  assert.equal((doc.values.get('x') as string).length, 16_000 * 5 + 1);
  assert.equal(doc.values.get('workers'), 3);
  // a continuation backslash inside brackets and strings, blank lines after it
  assert.deepEqual(
    configAssignments('bind = ["a" + \\\n\n  "b", \'c\\\n\']\nworkers = (1 +\n  2)'),
    new Map<string, unknown>([
      ['bind', ['ab', 'c\n']],
      ['workers', 3],
    ]),
  );
});

test('hostile commands: thousands of wrappers or of "cd .." are not followed to the end', () => {
  // every "env -C .." made the path longer and each level recursed on a copy of the rest: 7 s for 4,000
  const start = performance.now();
  assert.equal(appServerOf([...Array<string[]>(4000).fill(['env', '-C', '..']).flat(), 'gunicorn']), null);
  assert.equal(appServerOf(['sh', '-c', `${'cd .. && '.repeat(7000)}gunicorn app:app`]), null);
  assert.equal(appServerOf(Array<string>(20_000).fill('env')), null);
  assert.ok(performance.now() - start < 2000);
  assert.deepEqual(
    server(['env', '-C', '/srv', 'env', 'A=1', 'poetry', 'run', '--quiet', 'gunicorn', 'app:app']).binds,
    [tcp('127.0.0.1', 8000)],
  );
  assert.equal(server(['sh', '-c', 'cd /srv/app && cd .. && exec gunicorn app:app']).server, 'gunicorn');
  // one env with 10,000 "-C nv": 2.8 s, each making the directory longer
  const chdirs = performance.now();
  assert.equal(
    appServerOf(['env', ...Array<string[]>(10_000).fill(['-C', 'nv']).flat(), 'gunicorn'], { cwd: '' }),
    null,
  );
  assert.ok(performance.now() - chdirs < 2000);
  const chdir = server(['env', '-C', '/srv', '-C', 'app', 'gunicorn', 'app:app'], {
    read: () => 'workers = 5',
  });
  assert.deepEqual([chdir.configFile, chdir.workers], ['/srv/app/gunicorn.conf.py', 5]);
});

test('hostile config files: "if x:a:a:a…" is read in linear time; a one-line if still hides its assignment', () => {
  // the annotation of "if x: name: … = …" was read to the end of the line from every ":": 2.9 s for 64 KiB
  const start = performance.now();
  assert.deepEqual([...analyseConfig(`if x${':a'.repeat(32_000)}`).unresolved], []);
  assert.ok(performance.now() - start < 2000);
  const guarded = analyseConfig('if DEBUG: workers: int = 3\nif DEBUG: bind = "a"\ntimeout = 30');
  assert.deepEqual([...guarded.unresolved].sort(), ['bind', 'workers']);
  assert.deepEqual([...guarded.values], [['timeout', 30]]);
});

test("hostile config files: os.environ holds only the environment's variables, not Object's", () => {
  // bind was Object's constructor function: medic then fell back to gunicorn's default bind
  assert.deepEqual(
    configAssignments('bind = os.environ.get("constructor", "127.0.0.1:9000")\nx = os.environ["__proto__"]'),
    new Map([['bind', '127.0.0.1:9000']]),
  );
  assert.deepEqual(
    server(['gunicorn', '-c', 'g.py', 'app:app'], {
      read: () => 'bind = os.getenv("toString", "0.0.0.0:9000")',
    }).binds,
    [tcp('0.0.0.0', 9000)],
  );
  assert.equal(configAssignments('w = os.getenv("constructor")', { constructor: '3' }).get('w'), '3');
});

test('hostile config files: a value doubled thirty times is unknown, not a billion items', () => {
  // "x = x + x" 26 times took 4 s and 1.4 GB; 30 times exhausted memory
  const start = performance.now();
  const doubled = analyseConfig(
    [
      'x = [1]',
      ...Array<string>(30).fill('x = x + x'),
      's = "ab"',
      ...Array<string>(30).fill('s += s'),
      'n = [1]',
      ...Array<string>(30).fill('n = [n, n]'),
      'bind = "127.0.0.1:9000"',
    ].join('\n'),
  );
  assert.ok(performance.now() - start < 2000);
  assert.deepEqual([...doubled.unresolved].sort(), ['n', 's', 'x']);
  assert.equal(doubled.values.get('bind'), '127.0.0.1:9000');
  const small = configAssignments(['x = [1]', ...Array<string>(10).fill('x = x + x')].join('\n'));
  assert.equal((small.get('x') as unknown[]).length, 1024);
});

test('hostile env files: a value cut by a \\r is read in linear time; \\r\\n line ends are line ends', () => {
  // "\s*(.*)$" backtracked over every space before a \r that "." cannot cross: 0.5 s for 20,000 spaces
  const start = performance.now();
  assert.deepEqual(parseEnvFile(`H=${' '.repeat(65_000)}''\rx\nexport A="quoted value`), [
    ['A', '"quoted value'],
  ]);
  assert.ok(performance.now() - start < 2000);
  assert.deepEqual(parseEnvFile('A=1\r\nB="two words"\r\nexport C=3\r\n'), [
    ['A', '1'],
    ['B', 'two words'],
    ['C', '3'],
  ]);
});
