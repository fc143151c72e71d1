// The web frameworks' and settings libraries' fatal messages: Django (django/django, read through the file
// index: conf/__init__.py, http/request.py, db/backends, apps/registry.py, contrib/staticfiles), Flask
// 2ac89889 (3.1.3+68, pallets/flask) with its 0.12/1.x wordings from git history, Werkzeug 1b00618e
// (3.1.8+116), Starlette cb8f84f5 (0.47.3), FastAPI c3f316b7e (0.141.1+84), pydantic-core 383eb95a
// (v2.41.5), pydantic 2151025aa (v1 shim in pydantic/v1), pydantic-settings d26fc0c (v2.15.0),
// python-decouple 6d0a1f4 (v3.4, henriquebastos/python-decouple), environs 19d9a36 (15.1.0) and
// django-environ df301b6 (v0.11.2).
import type { Message } from './types.ts';

export const messages: Message[] = [
  // --- Django -----------------------------------------------------------------------------------------
  {
    // settings.py read SECRET_KEY from an environment variable the unit does not set.
    program: 'django',
    source: 'django/conf/__init__.py',
    template: 'The SECRET_KEY setting must not be empty.',
    pattern: /The (?<variable>SECRET_KEY) setting must not be empty/,
    cause: 'missing_env_var',
  },
  {
    // Django code imported without DJANGO_SETTINGS_MODULE (a worker or a server started outside manage.py).
    program: 'django',
    source: 'django/conf/__init__.py',
    template:
      'Requested %s, but settings are not configured. You must either define the environment variable %s or call settings.configure() before accessing settings.',
    pattern:
      /Requested (?:setting (?<setting>\w{1,100})|settings), but settings are not configured\. You must either define the environment variable (?<variable>DJANGO_SETTINGS_MODULE)/,
    cause: 'missing_env_var',
  },
  {
    // DisallowedHost. The other branch ("The domain name provided is not valid according to RFC
    // 1034/1035.") is a scanner's garbage Host header, not a missing ALLOWED_HOSTS entry. Python 2 printed
    // u'...' reprs.
    program: 'django',
    source: 'django/http/request.py',
    template: 'Invalid HTTP_HOST header: %r. You may need to add %r to ALLOWED_HOSTS.',
    pattern:
      /Invalid HTTP_HOST header: u?['"][^'"]{0,300}['"]\. You may need to add u?['"](?<host>[^'"]{1,255})['"] to ALLOWED_HOSTS/,
    cause: 'allowed_hosts',
  },
  {
    // The DB driver is not installed in the venv: "Error loading psycopg2 or psycopg module" (4.2+),
    // "Error loading psycopg2 module: No module named 'psycopg2'" (before), "Error loading MySQLdb module.
    // Did you install mysqlclient?" (2.x+), "Error loading MySQLdb module: %s" (1.x).
    program: 'django',
    source: 'django/db/backends/postgresql/base.py',
    template: 'Error loading psycopg2 or psycopg module',
    pattern: /Error loading (?<module>psycopg2|MySQLdb)(?: or psycopg)? module/,
    cause: 'missing_dependency',
  },
  {
    // AppRegistryNotReady: the project's own code imports models (or calls get_user_model()) at import
    // time of settings or an app module, before django.setup() finished.
    program: 'django',
    source: 'django/apps/registry.py',
    template: "Apps aren't loaded yet.",
    pattern: /(?:Apps|Models) aren't loaded yet\./,
    cause: 'syntax_or_import_error_in_app',
  },
  {
    // DATABASES['default'] has no ENGINE: typically dj-database-url/django-environ given no DATABASE_URL,
    // i.e. a settings value the backend cannot use (the dummy backend's complain()).
    program: 'django',
    source: 'django/db/backends/dummy/base.py',
    template: 'settings.DATABASES is improperly configured. Please supply the ENGINE value.',
    pattern: /settings\.DATABASES is improperly configured\. Please supply the (?<setting>ENGINE|NAME) value/,
    cause: 'bad_config_value',
  },
  {
    // ManifestStaticFilesStorage (and WhiteNoise's compressed variant): collectstatic did not run for this
    // release, or the template names a file that is not in the manifest.
    program: 'django',
    source: 'django/contrib/staticfiles/storage.py',
    template: "Missing staticfiles manifest entry for '%s'",
    pattern: /Missing staticfiles manifest entry for '(?<path>[^']{1,300})'/,
    cause: 'static_files_missing',
  },
  {
    // runserver's EADDRINUSE text.
    program: 'django',
    source: 'django/core/management/commands/runserver.py',
    template: 'That port is already in use.',
    pattern: /Error: That port is already in use\./,
    cause: 'port_in_use',
  },
  {
    // django-environ Env.get_value.
    program: 'django-environ',
    source: 'environ/environ.py',
    template: 'Set the {} environment variable',
    pattern: /Set the (?<variable>\w{1,100}) environment variable/,
    cause: 'missing_env_var',
  },
  {
    program: 'django-environ',
    source: 'environ/environ.py',
    template: 'Invalid cache schema {}',
    pattern: /Invalid cache schema (?<value>[\w+.-]{0,50})/,
    cause: 'bad_config_value',
  },

  // --- Flask (flask run / FLASK_APP / --app) -----------------------------------------------------------
  {
    // No --app/FLASK_APP and no wsgi.py/app.py in the working directory (3.x wording; 1.x-2.x "...You did
    // not provide the "FLASK_APP" environment variable, and a "wsgi.py" or "app.py" module was not found").
    program: 'flask',
    source: 'src/flask/cli.py',
    template:
      "Could not locate a Flask application. Use the 'flask --app' option, 'FLASK_APP' environment variable, or a 'wsgi.py' or 'app.py' file in the current directory.",
    pattern: /Could not locate a Flask application\./,
    cause: 'wrong_entrypoint',
  },
  {
    // 3.x "... in module 'app'. Use 'app:name' to specify one.", 2.x "... Use 'FLASK_APP=app:name' ...",
    // 1.0 '... in module "app". Use "FLASK_APP=app:name to specify one.'
    program: 'flask',
    source: 'src/flask/cli.py',
    template: "Failed to find Flask application or factory in module '%s'. Use '%s:name' to specify one.",
    pattern: /Failed to find Flask application or factory in module ['"](?<module>[\w.]{1,200})['"]/,
    cause: 'wrong_entrypoint',
  },
  {
    // Flask 0.12.
    program: 'flask',
    source: 'flask/cli.py',
    template:
      'Failed to find application in module "{module}". Are you sure it contains a Flask application?',
    pattern: /Failed to find application in module "(?<module>[\w.]{1,200})"/,
    cause: 'wrong_entrypoint',
  },
  {
    // --app module:name where the module has no such name (2.2+; gunicorn has the same template).
    program: 'flask',
    source: 'src/flask/cli.py',
    template: 'Failed to find attribute %r in %r.',
    pattern: /Failed to find attribute '(?<attribute>[^']{1,200})' in '(?<module>[^']{1,200})'/,
    cause: 'wrong_entrypoint',
  },
  {
    // The module itself cannot be found (2.x+ 'Could not import %r.', 0.12-1.x 'Could not import "%s"."').
    // "While importing %r, an ImportError was raised" is not claimed: there the module exists and its own
    // import failed (a missing package or the app's code), which the chained traceback tells.
    program: 'flask',
    source: 'src/flask/cli.py',
    template: 'Could not import %r.',
    pattern: /Could not import ['"](?<module>[\w.]{1,200})['"]\."?(?:\n|$)/,
    cause: 'wrong_entrypoint',
  },
  {
    program: 'flask',
    source: 'src/flask/cli.py',
    template:
      "Detected multiple Flask applications in module '%s'. Use '%s:name' to specify the correct one.",
    pattern: /Detected multiple Flask applications in module ['"](?<module>[\w.]{1,200})['"]/,
    cause: 'wrong_entrypoint',
  },
  {
    program: 'flask',
    source: 'src/flask/cli.py',
    template: "A valid Flask application was not obtained from '%s:%s'.",
    pattern:
      /A valid Flask application was not obtained from '(?<module>[\w.]{1,200}):(?<attribute>[^']{1,200})'/,
    cause: 'wrong_entrypoint',
  },
  {
    // Werkzeug's dev server (flask run), 2.1+; before it the OSError "[Errno 98] Address already in use".
    program: 'werkzeug',
    source: 'src/werkzeug/serving.py',
    template:
      'Port %s is in use by another program. Either identify and stop that program, or start the server with a different port.',
    pattern: /Port (?<port>\d{1,5}) is in use by another program/,
    cause: 'port_in_use',
  },

  // --- Starlette / FastAPI -------------------------------------------------------------------------
  {
    // starlette.config.Config: KeyError("Config 'DATABASE_URL' is missing, and has no default.")
    program: 'starlette',
    source: 'starlette/config.py',
    template: "Config '%s' is missing, and has no default.",
    pattern: /Config '(?<variable>[^']{1,100})' is missing, and has no default/,
    cause: 'missing_env_var',
  },
  {
    program: 'starlette',
    source: 'starlette/config.py',
    template: "Config '%s' has value '%s'. Not a valid %s.",
    pattern: /Config '(?<variable>[^']{1,100})' has value '(?<value>[^']{0,200})'\. Not a valid \w{1,50}\./,
    cause: 'bad_config_value',
  },
  {
    // StaticFiles(directory=...) at startup ("Directory '%s' does not exist", check_dir) and at first
    // request ("StaticFiles directory '%s' does not exist."): the release has no static directory there.
    program: 'starlette',
    source: 'starlette/staticfiles.py',
    template: "Directory '%s' does not exist",
    pattern: /RuntimeError: (?:StaticFiles d|D)irectory '(?<path>[^']{1,300})' does not exist/,
    cause: 'static_files_missing',
  },
  {
    program: 'starlette',
    source: 'starlette/templating.py',
    template: 'jinja2 must be installed to use Jinja2Templates',
    pattern: /(?<package>jinja2) must be installed to use Jinja2Templates/,
    cause: 'missing_dependency',
  },
  {
    program: 'starlette',
    source: 'starlette/formparsers.py',
    template: 'The `python-multipart` library must be installed to use form parsing.',
    pattern: /The `(?<package>python-multipart)` library must be installed to use form parsing/,
    cause: 'missing_dependency',
  },
  {
    // FastAPI's own check at route definition (also when the wrong "multipart" package is installed).
    program: 'fastapi',
    source: 'fastapi/dependencies/utils.py',
    template: 'Form data requires "python-multipart" to be installed.',
    pattern: /Form data requires "(?<package>python-multipart)" to be installed/,
    cause: 'missing_dependency',
  },
  {
    program: 'fastapi',
    source: 'fastapi/cli.py',
    template: 'To use the fastapi command, please install "fastapi[standard]"',
    pattern: /To use the fastapi command, please install "(?<package>fastapi\[standard\])"/,
    cause: 'missing_dependency',
  },

  // --- pydantic / pydantic-settings (a Settings class read from the environment) ---------------------
  {
    // pydantic 2 ValidationError on a settings class: "1 validation error for Settings\ndatabase_url\n
    // Field required [type=missing, input_value={...}, input_type=dict]". The field (upper-cased, plus
    // any env_prefix) is the variable. A model that is not a settings class is a request's data instead.
    program: 'pydantic-core',
    source: 'src/errors/validation_exception.rs',
    template:
      '%d validation error for %s\n%s\n  Field required [type=missing, input_value=%s, input_type=%s]',
    pattern:
      /validation errors? for \w{0,60}(?:Settings|Config)\w{0,30}\n(?<variable>[\w.]{1,100})\n {2}Field required \[type=missing/,
    cause: 'missing_env_var',
  },
  {
    // pydantic 1 (BaseSettings in pydantic itself): "field required (type=value_error.missing)".
    program: 'pydantic',
    source: 'pydantic/v1/error_wrappers.py',
    template: '%d validation error for %s\n%s\n  field required (type=value_error.missing)',
    pattern:
      /validation errors? for \w{0,60}(?:Settings|Config)\w{0,30}\n(?<variable>[\w. >-]{1,100})\n {2}field required \(type=value_error\.missing\)/,
    cause: 'missing_env_var',
  },
  {
    // pydantic 2: the variable is set but does not parse ("Input should be a valid integer, unable to parse
    // string as an integer [type=int_parsing, input_value='eight', input_type=str]").
    program: 'pydantic-core',
    source: 'src/errors/types.rs',
    template: 'Input should be a valid integer, unable to parse string as an integer',
    pattern:
      /validation errors? for \w{0,60}(?:Settings|Config)\w{0,30}\n(?<setting>[\w.]{1,100})\n {2}(?:Input should be a valid (?:integer|number|boolean|URL|IPv4 address|IPv6 address|email address)|URL scheme should be)[^\n[]{0,200}\[type=\w{1,50}, input_value='?(?<value>[^,'\]\n]{0,60})/,
    cause: 'bad_config_value',
  },
  {
    // pydantic 1: "value is not a valid integer (type=type_error.integer)", "value could not be parsed to a
    // boolean", "invalid or missing URL scheme".
    program: 'pydantic',
    source: 'pydantic/v1/errors.py',
    template: 'value is not a valid integer',
    pattern:
      /validation errors? for \w{0,60}(?:Settings|Config)\w{0,30}\n(?<setting>[\w. >-]{1,100})\n {2}(?:value is not a valid (?:integer|float|boolean)|value could not be parsed to a boolean|invalid or missing URL scheme)/,
    cause: 'bad_config_value',
  },
  {
    // pydantic-settings: a complex field (list, dict, model) whose variable is not valid JSON.
    program: 'pydantic-settings',
    source: 'pydantic_settings/sources/base.py',
    template: 'error parsing value for field "%s" from source "%s"',
    pattern: /error parsing value for field "(?<setting>[^"]{1,100})" from source "\w{1,60}"/,
    cause: 'bad_config_value',
  },
  {
    // pydantic 1 BaseSettings, same failure.
    program: 'pydantic',
    source: 'pydantic/v1/env_settings.py',
    template: 'error parsing env var "%s"',
    pattern: /error parsing env var "(?<variable>[^"]{1,100})"/,
    cause: 'bad_config_value',
  },
  {
    program: 'pydantic',
    source: 'pydantic/networks.py',
    template: "email-validator is not installed, run `pip install 'pydantic[email]'`",
    pattern: /(?<package>email-validator) is not installed, run `pip install/,
    cause: 'missing_dependency',
  },

  // --- python-decouple / environs ------------------------------------------------------------------
  {
    // 3.1+; up to 3.0 "%s option not found and default value was not defined."
    program: 'python-decouple',
    source: 'decouple.py',
    template: '{} not found. Declare it as envvar or define a default value.',
    pattern:
      /\b(?<variable>\w{1,100}) (?:not found\. Declare it as envvar or define a default value|option not found and default value was not defined)/,
    cause: 'missing_env_var',
  },
  {
    // Eager Env (default): EnvError / EnvNotSetError; the same text since 2016.
    program: 'environs',
    source: 'src/environs/__init__.py',
    template: 'Environment variable "%s" not set',
    pattern: /Environment variable "(?<variable>[^"]{1,100})" not set/,
    cause: 'missing_env_var',
  },
  {
    // Deferred validation (env.seal()): "Environment variables invalid: {'SECRET_KEY': ['Environment
    // variable not set.']}".
    program: 'environs',
    source: 'src/environs/__init__.py',
    template: 'Environment variables invalid: %s',
    pattern:
      /Environment variables invalid: \{[^}]{0,500}?'(?<variable>[^']{1,100})': \['Environment variable not set\.'\]/,
    cause: 'missing_env_var',
  },
  {
    program: 'environs',
    source: 'src/environs/__init__.py',
    template: 'Environment variable "%s" invalid: %s',
    pattern: /Environment variable "(?<variable>[^"]{1,100})" invalid: /,
    cause: 'bad_config_value',
  },
];
