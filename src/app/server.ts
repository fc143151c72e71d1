// The Python app server a command line starts (an ExecStart= argv, a container command): which
// server, where it listens, the app module, workers, timeout and the virtualenv. The wrappers around
// it are in wrappers.ts, each server's own options in a file named after it.
import type { Bind } from './bind.ts';
import { recognise } from './wrappers.ts';

export type AppServerName = 'gunicorn' | 'uvicorn' | 'daphne' | 'hypercorn' | 'waitress' | 'django-runserver';

export interface PythonEnv {
  /** The directory of the server's executable or of the interpreter (a virtualenv's bin/). */
  binDir: string;
  /** The virtualenv (or conda env) root, when binDir is its bin/ rather than a system directory. */
  venv?: string;
  /** The interpreter, when the command runs python itself (`python -m gunicorn`, `python manage.py`). */
  interpreter?: string;
}

export interface AppServer {
  server: AppServerName;
  /** Where it listens. Empty when it only takes sockets handed over by the supervisor (see `fds`). */
  binds: Bind[];
  /** File descriptors it listens on, handed over by systemd or a supervisor. */
  fds?: number[];
  /** "pkg.mod:app", "pkg:create_app()", "mysite.wsgi" … as given. */
  module?: string;
  /** uvicorn --factory, waitress --call: the module names a function that builds the app. */
  factory?: boolean;
  workers?: number;
  /** Seconds a worker may be silent before it is killed (gunicorn -t, daphne --http-timeout). */
  timeout?: number;
  workerClass?: string;
  configFile?: string;
  /** false when the config file could not be read: binds, workers and timeout may be set there. */
  configRead?: boolean;
  /**
   * Fields the config file sets in a way medic cannot work out (a call it does not know, an assignment
   * under `if`): their values are unknown, and no default stands in for them ("binds" is then empty).
   */
  unresolved?: ('binds' | 'workers' | 'timeout' | 'workerClass' | 'chdir' | 'module')[];
  /** The directory the server changes to before importing the app (gunicorn --chdir). */
  chdir?: string;
  /** A directory put first on sys.path (uvicorn --app-dir). */
  appDir?: string;
  python?: PythonEnv;
  /** The server's own command, after the wrappers around it were taken off. */
  argv: string[];
}

export interface ServerContext {
  /** Reads a config file (gunicorn.conf.py, hypercorn TOML); absent or undefined means unreadable. */
  read?: (path: string) => string | undefined;
  /** The directory the command starts in (systemd WorkingDirectory=). */
  cwd?: string;
  /** The environment the command starts with (Environment=, EnvironmentFile=). */
  env?: Record<string, string>;
  /** The host's CPU count, for config files that compute workers from `multiprocessing.cpu_count()`. */
  cpus?: number;
}

/** The app server an argv starts, or null when it starts none that medic knows. */
export function appServerOf(argv: string[], context: ServerContext = {}): AppServer | null {
  return recognise(argv, {
    read: context.read ?? (() => undefined),
    cwd: context.cwd,
    env: { ...context.env },
    activated: undefined,
    cpus: context.cpus,
  });
}
