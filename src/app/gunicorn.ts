// gunicorn: its flags, GUNICORN_CMD_ARGS and its config file, each overriding the one before.
import type { AppServer } from './server.ts';
import { type Scanned, scan, values, last, integer, stringList } from './argv.ts';
import { bindsOf } from './bind.ts';
import { type Context, readConfig } from './command-context.ts';
import type { PyValue } from './python-expression.ts';
import { shellWords } from './shell-words.ts';

const GUNICORN_FLAGS = new Set([
  '-D',
  '--daemon',
  '-R',
  '--enable-stdio-inheritance',
  '--reload',
  '--preload',
  '--spew',
  '--check-config',
  '--print-config',
  '--capture-output',
  '--no-sendfile',
  '--reuse-port',
  '--strip-header-spaces',
  '--proxy-protocol',
  '--suppress-ragged-eofs',
  '--do-handshake-on-connect',
  '--initgroups',
  '--permit-obsolete-folding',
  '--permit-unconventional-http-method',
  '--permit-unconventional-http-version',
  '--casefold-http-method',
  '-v',
  '--version',
  '-h',
  '--help',
]);

type ConfigField = NonNullable<AppServer['unresolved']>[number];

interface GunicornSettings {
  /** Fields the config file sets to values medic cannot work out. */
  unknown?: ConfigField[];
  bind?: string[];
  workers?: number;
  timeout?: number;
  workerClass?: string;
  chdir?: string;
  module?: string;
}

function gunicornFromArgs(scanned: Scanned): GunicornSettings {
  const s: GunicornSettings = {};
  const bind = values(scanned, '-b', '--bind');
  if (bind.length > 0) s.bind = bind;
  const workers = integer(last(scanned, '-w', '--workers'));
  const timeout = integer(last(scanned, '-t', '--timeout'));
  const workerClass = last(scanned, '-k', '--worker-class');
  const chdir = last(scanned, '--chdir');
  if (workers !== undefined) s.workers = workers;
  if (timeout !== undefined) s.timeout = timeout;
  if (workerClass !== undefined) s.workerClass = workerClass;
  if (chdir !== undefined) s.chdir = chdir;
  if (scanned.positionals[0] !== undefined) s.module = scanned.positionals[0];
  return s;
}

// gunicorn's setting names for the fields medic reads from a config file.
const GUNICORN_SETTINGS: [string, ConfigField][] = [
  ['bind', 'binds'],
  ['workers', 'workers'],
  ['timeout', 'timeout'],
  ['worker_class', 'workerClass'],
  ['chdir', 'chdir'],
  ['wsgi_app', 'module'],
];

function gunicornFromConfig(
  settings: Map<string, PyValue>,
  unresolved = new Set<string>(),
): GunicornSettings {
  const s: GunicornSettings = {};
  const unknown = GUNICORN_SETTINGS.filter(([name]) => unresolved.has(name)).map(([, field]) => field);
  if (unknown.length > 0) s.unknown = unknown;
  const bind = stringList(settings.get('bind'));
  const workers = integer(settings.get('workers'));
  const timeout = integer(settings.get('timeout'));
  const workerClass = settings.get('worker_class');
  const chdir = settings.get('chdir');
  const module = settings.get('wsgi_app');
  if (bind) s.bind = bind;
  if (workers !== undefined) s.workers = workers;
  if (timeout !== undefined) s.timeout = timeout;
  if (typeof workerClass === 'string') s.workerClass = workerClass;
  if (typeof chdir === 'string') s.chdir = chdir;
  if (typeof module === 'string') s.module = module;
  return s;
}

/** gunicorn: config file, then GUNICORN_CMD_ARGS, then the command line, each overriding the one before. */
export function gunicorn(args: string[], ctx: Context): AppServer {
  const cli = scan(args, GUNICORN_FLAGS);
  const envArgs = ctx.env.GUNICORN_CMD_ARGS
    ? scan(shellWords(ctx.env.GUNICORN_CMD_ARGS).words, GUNICORN_FLAGS)
    : null;
  const configSpec = last(cli, '-c', '--config') ?? (envArgs ? last(envArgs, '-c', '--config') : undefined);
  const result: AppServer = { server: 'gunicorn', binds: [], argv: args };
  let fromConfig: GunicornSettings = {};
  if (configSpec !== undefined) {
    const config = readConfig(configSpec, ctx);
    result.configFile = config.file;
    result.configRead = config.settings !== undefined;
    if (config.settings) fromConfig = gunicornFromConfig(config.settings, config.unresolved);
  } else if (ctx.cwd !== undefined) {
    // Without -c, gunicorn reads ./gunicorn.conf.py from the directory it starts in, if there is one.
    const config = readConfig('gunicorn.conf.py', ctx);
    if (config.settings) {
      result.configFile = config.file;
      result.configRead = true;
      fromConfig = gunicornFromConfig(config.settings, config.unresolved);
    }
  }
  const fromEnvArgs = envArgs ? gunicornFromArgs(envArgs) : {};
  const fromCli = gunicornFromArgs(cli);
  const merged: GunicornSettings = { ...fromConfig, ...fromEnvArgs, ...fromCli };
  // What the config file leaves unknown stays so unless GUNICORN_CMD_ARGS or the command line sets it.
  const given = (field: ConfigField) => {
    const key = field === 'binds' ? 'bind' : field;
    return fromEnvArgs[key] !== undefined || fromCli[key] !== undefined;
  };
  const unknown = (fromConfig.unknown ?? []).filter((field) => !given(field));
  if (unknown.length > 0) result.unresolved = unknown;
  // gunicorn's defaults: $PORT (as on PaaS) or 127.0.0.1:8000; $WEB_CONCURRENCY workers.
  const port = ctx.env.PORT;
  const bind =
    merged.bind ??
    (unknown.includes('binds') ? [] : [port !== undefined ? `0.0.0.0:${port}` : '127.0.0.1:8000']);
  const { binds, fds } = bindsOf(bind);
  result.binds = binds;
  if (fds.length > 0) result.fds = fds;
  const workers =
    merged.workers ?? (unknown.includes('workers') ? undefined : integer(ctx.env.WEB_CONCURRENCY));
  if (merged.module !== undefined) result.module = merged.module;
  if (workers !== undefined) result.workers = workers;
  if (merged.timeout !== undefined) result.timeout = merged.timeout;
  if (merged.workerClass !== undefined) result.workerClass = merged.workerClass;
  if (merged.chdir !== undefined) result.chdir = merged.chdir;
  return result;
}
