// The app layer: the testbed's env files (as provision.sh writes them, each scenario's change applied), the
// environment its code reads, the import probe's answers with the testbed's real tracebacks, and Django's
// `manage.py check --deploy` output from real projects.
import { check as requiredPresent } from '../../../src/checks/env_required_present.ts';
import { check as urlsParse } from '../../../src/checks/env_urls_parse.ts';
import { check as secretsNotDefault } from '../../../src/checks/env_secrets_not_default.ts';
import { type AppImportableFacts, check as importable } from '../../../src/checks/app_importable.ts';
import { check as checkDeploy } from '../../../src/checks/django_check_deploy.ts';
import {
  type AllowedHostsFacts,
  check as allowedHosts,
} from '../../../src/checks/django_allowed_hosts_match.ts';
import { check as debugOff } from '../../../src/checks/flask_debug_off.ts';
import { check as staticRoot } from '../../../src/checks/fs_static_root_exists.ts';
import type { AppServer } from '../../../src/app/server.ts';
import { envReadsOf, type Project } from '../../../src/discover/project.ts';
import type { NginxSite } from '../../../src/nginx/sites.ts';
import { bind, envOf, siteOf, testbedFile } from './testbed.ts';
import { fixture, ruleTester } from './tester.ts';

const project = (framework: Project['framework'], over: Partial<Project> = {}): Project => ({
  root: `/srv/${framework === 'django' ? 'djangoapp' : framework === 'flask' ? 'flaskapp' : 'fastapi'}`,
  framework,
  requirementFiles: ['requirements.txt'],
  requirements: [],
  envReads: [],
  writable: [],
  ...over,
});
const envService = (env: Record<string, string>, file = '/srv/flaskapp/.env') => ({
  env,
  envSource: Object.fromEntries(Object.keys(env).map((k) => [k, file])),
  envFiles: [{ path: file, optional: false }],
  unit: 'flaskapp.service',
});
const FLASKAPP_ENV = envOf('flaskapp');
const without = (env: Record<string, string>, name: string) =>
  Object.fromEntries(Object.entries(env).filter(([k]) => k !== name));

// ---- env.required_present ------------------------------------------------------------------------------

const flaskProject = project('flask', {
  envReads: envReadsOf(testbedFile('srv/flaskapp/flaskapp/__init__.py'), 'flaskapp/__init__.py'),
});
const required = (env: Record<string, string>, p: Project | null = flaskProject, file?: string) => ({
  service: { ...envService(env), project: p, ...(file === undefined ? {} : { envFiles: [] }) },
});

ruleTester(requiredPresent, {
  valid: [
    {
      when: "flaskapp's env file sets SECRET_KEY, DATABASE_URL and REDIS_URL",
      facts: required(FLASKAPP_ENV),
      says: /^3 required variables set \(SECRET_KEY, DATABASE_URL, REDIS_URL\)$/,
    },
    {
      when: 'SECRET_KEY is set but empty: no KeyError (env.secrets_not_default judges the value)',
      facts: required({ ...FLASKAPP_ENV, SECRET_KEY: '' }),
    },
    {
      when: 'the code reads HOME, which systemd sets for every service',
      facts: required(
        {},
        project('flask', {
          envReads: envReadsOf('cache = os.path.join(os.environ["HOME"], ".cache")\n', 'app.py'),
        }),
      ),
    },
  ],
  invalid: [
    {
      when: 'SECRET_KEY is taken out of the env file (missing_env_var)',
      facts: required(without(FLASKAPP_ENV, 'SECRET_KEY')),
      status: 'fail',
      says: /^SECRET_KEY is read by the code but not set for flaskapp.service$/,
      fix: /echo 'SECRET_KEY=…' >> \/srv\/flaskapp\/.env[\s\S]*systemctl restart flaskapp.service/,
    },
    {
      when: 'the unit has no env file and two names are missing',
      facts: required({ REDIS_URL: FLASKAPP_ENV.REDIS_URL ?? '' }, flaskProject, 'none'),
      status: 'fail',
      says: /^SECRET_KEY, DATABASE_URL are read by the code/,
      fix: /systemctl edit flaskapp.service {4}# Environment=SECRET_KEY=…/,
    },
  ],
  skipped: [
    { when: 'there is no project directory to read', facts: required(FLASKAPP_ENV, null) },
    {
      when: 'the code reads every variable with a default',
      facts: required(
        {},
        project('flask', { envReads: envReadsOf('DEBUG = os.environ.get("DEBUG", "0")\n', 'app.py') }),
      ),
    },
  ],
});

// ---- env.urls_parse ------------------------------------------------------------------------------------

const urls = (over: Record<string, string>) => ({ service: envService({ ...FLASKAPP_ENV, ...over }) });

ruleTester(urlsParse, {
  valid: [
    {
      when: "flaskapp's DATABASE_URL and REDIS_URL",
      facts: urls({}),
      says: /^DATABASE_URL, REDIS_URL parse$/,
    },
    {
      when: 'a "/" in the password is percent-encoded',
      facts: urls({ DATABASE_URL: 'postgresql://flaskapp:Fl4sk%2FDB-pw-71@127.0.0.1:5432/flaskapp' }),
    },
    {
      when: 'the database is reached through its unix socket (no host, ?host=)',
      facts: urls({ DATABASE_URL: 'postgresql:///flaskapp?host=/var/run/postgresql' }),
    },
    { when: 'the port is 65535, the last one', facts: urls({ REDIS_URL: 'redis://127.0.0.1:65535/0' }) },
  ],
  invalid: [
    {
      when: 'a rotated password holds an unescaped "/" (malformed_env_value)',
      facts: urls({ DATABASE_URL: 'postgresql://flaskapp:Fl4sk/DB-pw-71@127.0.0.1:5432/flaskapp' }),
      status: 'fail',
      says: /^DATABASE_URL does not parse: the password holds a "\/", "\?" or "#" that is not percent-encoded/,
      fix: /urllib.parse.quote[\s\S]*edit the URL in \/srv\/flaskapp\/.env, then: systemctl restart flaskapp.service/,
    },
    {
      when: 'the port is a ${DB_PORT} that an env file does not expand',
      facts: urls({ DATABASE_URL: 'postgresql://flaskapp:Fl4sk-DB-pw-71@127.0.0.1:${DB_PORT}/flaskapp' }),
      status: 'fail',
      says: /^DATABASE_URL does not parse: the port is not a number/,
    },
    {
      when: 'the port is 65536',
      facts: urls({ REDIS_URL: 'redis://127.0.0.1:65536/0' }),
      status: 'fail',
      says: /^REDIS_URL does not parse: the port 65536 is out of range$/,
    },
    {
      when: 'two URLs are broken',
      facts: urls({
        DATABASE_URL: 'postgresql://flaskapp:Fl4sk#DB-pw-71@127.0.0.1:5432/flaskapp',
        REDIS_URL: 'localhost:6379',
      }),
      status: 'fail',
      says: /^2 URLs do not parse$/,
    },
  ],
  skipped: [{ when: 'the environment holds no URL', facts: { service: envService({ DEBUG: 'False' }) } }],
});

// ---- env.secrets_not_default ---------------------------------------------------------------------------

const secrets = (over: Record<string, string>, base = FLASKAPP_ENV) => ({
  service: envService({ ...base, ...over }),
});

ruleTester(secretsNotDefault, {
  valid: [
    {
      when: "flaskapp's SECRET_KEY, STRIPE_API_KEY and the database password are real values",
      facts: secrets({}),
      says: /^3 secrets look like real values$/,
    },
    {
      when: 'the database password has 12 characters, the shortest accepted',
      facts: secrets({ DATABASE_URL: 'postgresql://flaskapp:Xk9-pQ2-mZ7w@127.0.0.1:5432/flaskapp' }),
    },
    {
      when: 'a long secret has 6 distinct characters, the fewest accepted',
      facts: secrets({ SECRET_KEY: 'abcdefabcdefabcdefabcdef' }),
    },
  ],
  invalid: [
    {
      when: 'SECRET_KEY=changeme (default_secret)',
      facts: secrets({ SECRET_KEY: 'changeme' }),
      status: 'fail',
      says: /^1 secret with a placeholder or weak value$/,
      fix: /secrets.token_urlsafe\(50\)[\s\S]*edit \/srv\/flaskapp\/.env, then: systemctl restart flaskapp.service/,
    },
    {
      when: 'the key startproject wrote ships (django-insecure-…)',
      facts: secrets({ SECRET_KEY: 'django-insecure-2b@0p&k3#a+u!r9v^d$x1m6c*e7w0q(z)h-l8n5t4y_s=f' }),
      status: 'fail',
      says: /1 secret/,
    },
    {
      when: 'the database password has 11 characters',
      facts: secrets({ DATABASE_URL: 'postgresql://flaskapp:Xk9-pQ2-mZ7@127.0.0.1:5432/flaskapp' }),
      status: 'fail',
      says: /1 secret/,
    },
    {
      when: 'a long secret has 5 distinct characters',
      facts: secrets({ SECRET_KEY: 'abcdeabcdeabcdeabcdeabcde' }),
      status: 'fail',
      says: /1 secret/,
    },
    {
      when: 'SECRET_KEY is empty and the database password is "postgres"',
      facts: secrets({
        SECRET_KEY: '',
        DATABASE_URL: 'postgresql://flaskapp:postgres@127.0.0.1:5432/flaskapp',
      }),
      status: 'fail',
      says: /^2 secrets with a placeholder or weak value$/,
    },
  ],
  skipped: [{ when: 'no variable looks like a secret', facts: { service: envService({ DEBUG: 'False' }) } }],
});

// ---- app.importable ------------------------------------------------------------------------------------

const flaskService = {
  name: 'flaskapp',
  user: 'www-data',
  workdir: '/srv/flaskapp',
  python: '/srv/flaskapp/.venv/bin/python3',
  server: {
    server: 'gunicorn',
    module: 'wsgi:app',
    binds: [bind('unix:/run/flaskapp/gunicorn.sock')],
    argv: [],
  } as AppServer,
};
// The testbed's KeyError, as the import probe's traceback.format_exc() gives it (the journal's prefix cut off)
const KEYERROR_TRACEBACK = [
  'Traceback (most recent call last):',
  '  File "<string>", line 10, in <module>',
  ...fixture('testbed/missing_env_var.pasted.txt')
    .split('\n')
    .map((l) => l.replace(/^\w{3} \d+ [\d:]+ web1 gunicorn\[\d+\]: /, ''))
    .filter((_, i, all) => i >= all.findIndex((l) => l.includes('File "/srv/flaskapp/wsgi.py"'))),
].join('\n');
const imported = (app: AppImportableFacts['app'], over: Partial<AppImportableFacts> = {}) => ({
  service: flaskService,
  canActAsUser: true,
  app,
  ms: 640,
  ...over,
});

ruleTester(importable, {
  valid: [
    {
      when: 'wsgi:app imports as www-data',
      facts: imported({ ok: true, object: 'flask.app.Flask', python: '3.11.2' }),
      says: /^wsgi:app imports as www-data \(flask.app.Flask, 0.6 s\)$/,
    },
  ],
  invalid: [
    {
      when: 'SECRET_KEY is missing and create_app() raises KeyError (missing_env_var)',
      facts: imported({ ok: false, error: "KeyError: 'SECRET_KEY'", traceback: KEYERROR_TRACEBACK }),
      status: 'fail',
      says: /^importing wsgi:app fails: KeyError: 'SECRET_KEY'$/,
      fix: /cd \/srv\/flaskapp && sudo -u www-data \/srv\/flaskapp\/.venv\/bin\/python3 -c 'import wsgi'[\s\S]*medic diagnose flaskapp/,
    },
    {
      when: 'a required package is not installed (missing_dependency)',
      facts: imported({
        ok: false,
        error: "ModuleNotFoundError: No module named 'redis'",
        traceback:
          'Traceback (most recent call last):\n  File "/srv/flaskapp/wsgi.py", line 1, in <module>\n    from flaskapp import create_app\n  File "/srv/flaskapp/flaskapp/__init__.py", line 7, in <module>\n    import redis\nModuleNotFoundError: No module named \'redis\'\n',
      }),
      status: 'fail',
      says: /No module named 'redis'/,
    },
    {
      when: 'the import does not finish in time',
      facts: imported({ ok: false, error: 'the import did not finish in time', traceback: '' }),
      status: 'fail',
      says: /the import did not finish in time/,
    },
  ],
  skipped: [
    {
      when: 'ExecStart names no app module',
      facts: imported(null, { service: { ...flaskService, server: null } }),
    },
    { when: 'no Python was found', facts: imported(null, { service: { ...flaskService, python: null } }) },
    {
      when: 'medic cannot run as the service user',
      facts: imported(null, { canActAsUser: false }),
      says: /run medic as root to import the app as www-data/,
    },
    { when: 'the import could not be run', facts: imported(null) },
  ],
});

// ---- django.check_deploy -------------------------------------------------------------------------------

const djangoProject = project('django', { settingsModule: 'mysite.settings' });
const deploy = (stdout: string, code = 0, stderr = '') => ({
  service: {
    project: djangoProject,
    python: '/srv/djangoapp/.venv/bin/python',
    user: 'www-data',
    unit: 'djangoapp.service',
    envFiles: [{ path: '/srv/djangoapp/.env', optional: false }],
  },
  hasManagePy: true,
  canActAsUser: true,
  output: { code, stdout, stderr },
});

ruleTester(checkDeploy, {
  valid: [
    {
      when: 'System check identified no issues (0 silenced)',
      facts: deploy('System check identified no issues (0 silenced).\n'),
      says: /^no issues \(0 silenced\)$/,
    },
  ],
  invalid: [
    {
      // check --deploy exits 0 on warnings: the text decides
      when: 'only HTTPS advice is reported (HSTS, secure cookies)',
      facts: deploy(fixture('checks/django-check-deploy-https-advice.txt')),
      status: 'warn',
      says: /^3 deployment warnings: security.W004, security.W012, security.W016$/,
      fix: /sudo -u www-data \/srv\/djangoapp\/.venv\/bin\/python manage.py check --deploy/,
    },
    {
      when: 'DEBUG is True in production (django_debug_on)',
      facts: deploy(fixture('checks/django-check-deploy-debug-on.txt')),
      status: 'fail',
      says: /security.W018/,
      fix: /set DEBUG=False in \/srv\/djangoapp\/.env; systemctl restart djangoapp.service/,
    },
    {
      when: 'SECRET_KEY is weak (security.W009)',
      facts: deploy(
        "System check identified some issues:\n\nWARNINGS:\n?: (security.W009) Your SECRET_KEY has less than 50 characters, less than 5 unique characters, or it's prefixed with 'django-insecure-' indicating that it was generated automatically by Django. Please generate a long and random value, otherwise many of Django's security-critical features will be vulnerable to attack.\n\nSystem check identified 1 issue (0 silenced).\n",
      ),
      status: 'fail',
      says: /^security.W009: Your SECRET_KEY has less than 50 characters/,
    },
    {
      when: 'manage.py dies before checking (settings raise ImproperlyConfigured)',
      facts: deploy(
        '',
        1,
        'Traceback (most recent call last):\n  File "/srv/djangoapp/manage.py", line 22, in <module>\n    main()\ndjango.core.exceptions.ImproperlyConfigured: The SECRET_KEY setting must not be empty.\n',
      ),
      status: 'fail',
      says: /^manage.py check --deploy exits 1$/,
    },
  ],
  skipped: [
    {
      when: 'the project is not Django',
      facts: { ...deploy(''), service: { ...deploy('').service, project: project('flask') } },
    },
    { when: 'there is no manage.py', facts: { ...deploy(''), hasManagePy: false } },
    { when: 'medic cannot run as the service user', facts: { ...deploy(''), canActAsUser: false } },
    { when: 'manage.py could not be run', facts: { ...deploy(''), output: null } },
  ],
});

// ---- django.allowed_hosts_match ------------------------------------------------------------------------

const djangoSettings = (allowed: string[]) => ({
  DEBUG: false,
  ALLOWED_HOSTS: allowed,
  STATIC_ROOT: '/srv/djangoapp/staticfiles',
  STATIC_URL: '/static/',
  MEDIA_ROOT: '',
});
const DJANGO_ENV = envOf('djangoapp');
const hosts = (django: AllowedHostsFacts['django'], site: NginxSite | null = siteOf('djangoapp').site) => ({
  service: {
    project: djangoProject,
    site,
    unit: 'djangoapp.service',
    env: DJANGO_ENV,
    envSource: { ALLOWED_HOSTS: '/srv/djangoapp/.env' },
  },
  django,
});
const fromEnv = (value: string) =>
  value
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);

ruleTester(allowedHosts, {
  valid: [
    {
      when: "the testbed's ALLOWED_HOSTS names django.medic.test",
      facts: hosts(djangoSettings(fromEnv(DJANGO_ENV.ALLOWED_HOSTS ?? ''))),
      says: /^django.medic.test allowed/,
    },
    {
      when: 'ALLOWED_HOSTS has ".medic.test", the domain and its subdomains',
      facts: hosts(djangoSettings(['.medic.test'])),
    },
    { when: 'ALLOWED_HOSTS is ["*"]', facts: hosts(djangoSettings(['*'])) },
  ],
  invalid: [
    {
      when: 'ALLOWED_HOSTS is changed to www.example.com,localhost,127.0.0.1 (disallowed_host)',
      facts: hosts(djangoSettings(['www.example.com', 'localhost', '127.0.0.1'])),
      status: 'fail',
      says: /^django.medic.test not in ALLOWED_HOSTS: Django answers 400$/,
      fix: /add django.medic.test to ALLOWED_HOSTS in \/srv\/djangoapp\/.env[\s\S]*systemctl restart djangoapp.service/,
    },
    {
      when: 'ALLOWED_HOSTS holds the name with a port (Django compares names without it)',
      facts: hosts(djangoSettings(['django.medic.test:80'])),
      status: 'fail',
      says: /not in ALLOWED_HOSTS/,
    },
  ],
  skipped: [
    {
      when: 'the project is not Django',
      facts: { ...hosts(null), service: { ...hosts(null).service, project: project('flask') } },
    },
    { when: 'no Nginx site is in front of the app', facts: hosts(djangoSettings(['*']), null) },
    { when: 'the settings could not be loaded', facts: hosts(null) },
  ],
});

// ---- flask.debug_off -----------------------------------------------------------------------------------

const flaskDebug = (
  flask: { debug: boolean; testing: boolean } | null,
  over: Record<string, string> = {},
) => ({
  service: { ...envService({ ...FLASKAPP_ENV, ...over }), project: project('flask') },
  flask,
});

ruleTester(debugOff, {
  valid: [
    {
      when: 'app.debug is False',
      facts: flaskDebug({ debug: false, testing: false }),
      says: /^app.debug is False$/,
    },
    {
      when: 'FLASK_DEBUG=0 is set',
      facts: flaskDebug({ debug: false, testing: false }, { FLASK_DEBUG: '0' }),
    },
  ],
  invalid: [
    {
      when: 'FLASK_DEBUG=1 in the env file turns debug on (flask_debug_on)',
      facts: flaskDebug({ debug: true, testing: false }, { FLASK_DEBUG: '1' }),
      status: 'fail',
      says: /^the app runs with debug on$/,
      fix: /sed -i '\/\^FLASK_DEBUG=\/d' \/srv\/flaskapp\/.env[\s\S]*systemctl restart flaskapp.service/,
    },
    {
      when: 'the code sets app.debug = True, whatever the environment',
      facts: flaskDebug({ debug: true, testing: false }),
      status: 'fail',
      says: /debug on/,
    },
    {
      when: 'the app cannot be loaded but FLASKAPP_ENV=development is set',
      facts: flaskDebug(null, { FLASK_ENV: 'development' }),
      status: 'fail',
      says: /^FLASK_ENV turns debug on$/,
    },
  ],
  skipped: [
    {
      when: 'the project is not Flask',
      facts: { ...flaskDebug(null), service: { ...flaskDebug(null).service, project: project('django') } },
    },
    {
      when: 'the app could not be loaded and nothing in the environment turns debug on',
      facts: flaskDebug(null),
    },
  ],
});

// ---- fs.static_root_exists -----------------------------------------------------------------------------

const staticFacts = (entries: string[] | null, root = '/srv/djangoapp/staticfiles') => ({
  service: { project: djangoProject, python: '/srv/djangoapp/.venv/bin/python' },
  django: { ...djangoSettings([]), STATIC_ROOT: root },
  entries,
});

ruleTester(staticRoot, {
  valid: [
    {
      when: "collectstatic filled STATIC_ROOT (admin's files and the app's)",
      facts: staticFacts(['admin', 'site.css']),
      says: /^\/srv\/djangoapp\/staticfiles holds 2 entries$/,
    },
    { when: 'STATIC_ROOT holds one entry', facts: staticFacts(['admin']) },
  ],
  invalid: [
    {
      when: 'STATIC_ROOT was removed (static_root_empty)',
      facts: staticFacts(null),
      status: 'fail',
      says: /^STATIC_ROOT \/srv\/djangoapp\/staticfiles does not exist: collectstatic did not run$/,
      fix: /cd \/srv\/djangoapp && \/srv\/djangoapp\/.venv\/bin\/python manage.py collectstatic --noinput/,
    },
    {
      when: 'STATIC_ROOT is empty',
      facts: staticFacts([]),
      status: 'fail',
      says: /is empty/,
      fix: /collectstatic/,
    },
    {
      when: 'STATIC_ROOT is not set',
      facts: staticFacts(null, ''),
      status: 'fail',
      says: /STATIC_ROOT is not set/,
      fix: /set STATIC_ROOT in mysite.settings/,
    },
  ],
  skipped: [
    {
      when: 'the project is not Django',
      facts: { ...staticFacts(null), service: { project: project('fastapi'), python: null } },
    },
    { when: 'the settings could not be loaded', facts: { ...staticFacts(null), django: null } },
  ],
});
