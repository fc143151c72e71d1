// The commands that start another one (env, sh -c, python -m, poetry/pipenv/uv run), looked
// through to the app server inside, and the server named by the executable found there.
import { posix } from 'node:path';
import type { AppServer, PythonEnv } from './server.ts';
import { type Context, resolve } from './command-context.ts';
import { daphne } from './daphne.ts';
import { runserver } from './django-runserver.ts';
import { gunicorn } from './gunicorn.ts';
import { hypercorn } from './hypercorn.ts';
import { pythonEnvOf } from './python-env.ts';
import { shellWords } from './shell-words.ts';
import { uvicorn } from './uvicorn.ts';
import { waitress } from './waitress.ts';

const PYTHON = /^python(?:\d+(?:\.\d+)?)?$/;
const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ash']);
const RUNNERS = new Set(['poetry', 'pipenv', 'uv', 'pdm', 'hatch', 'rye']);

// A command has a few wrappers and a script a few commands; past these numbers the command is not one a
// person wrote, and following it (every "cd .." or "env -C .." making the path longer) takes quadratic time.
const MAX_WRAPPERS = 64;
const MAX_SCRIPT_COMMANDS = 256;

function shellScript(script: string, ctx: Context): AppServer | null {
  const { words, breaks } = shellWords(script);
  const bounds = [0, ...breaks, words.length];
  for (let b = 0; b + 1 < bounds.length && b < MAX_SCRIPT_COMMANDS; b++) {
    let command = words.slice(bounds[b], bounds[b + 1]);
    if (command[0] === 'exec') command = command.slice(1);
    const [head, ...rest] = command;
    if (head === undefined) continue;
    if (head === 'cd' && rest[0] !== undefined) {
      ctx.cwd = resolve(rest[0], ctx.cwd);
      continue;
    }
    if ((head === 'source' || head === '.') && rest[0]?.endsWith('/bin/activate')) {
      ctx.activated = resolve(posix.dirname(rest[0]), ctx.cwd);
      continue;
    }
    if (head === 'export') {
      for (const assignment of rest) {
        const eq = assignment.indexOf('=');
        if (eq > 0) ctx.env[assignment.slice(0, eq)] = assignment.slice(eq + 1);
      }
      continue;
    }
    const found = recognise(command, ctx);
    if (found) return found;
  }
  return null;
}

function withPython(server: AppServer | null, python: PythonEnv | undefined): AppServer | null {
  if (server && python && !server.python) server.python = python;
  return server;
}

const PYTHON_VALUE_OPTIONS = new Set(['-W', '-X', '-Q']);

function runPython(exe: string, args: string[], ctx: Context): AppServer | null {
  const python = pythonEnvOf(exe, true, ctx.cwd);
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '-m' || (a.startsWith('-m') && a.length > 2)) {
      const module = a === '-m' ? args[i + 1] : a.slice(2);
      const rest = args.slice(a === '-m' ? i + 2 : i + 1);
      return withPython(byName(module ?? '', rest, ctx, undefined), python);
    }
    if (a === '-c') return null;
    if (PYTHON_VALUE_OPTIONS.has(a)) {
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    // A script: manage.py, or a console script such as venv/bin/gunicorn run by this interpreter.
    const script = posix.basename(a);
    if (script === 'manage.py') return withPython(runserver(args.slice(i + 1), resolve(a, ctx.cwd)), python);
    return withPython(byName(script, args.slice(i + 1), ctx, undefined), python);
  }
  return null;
}

function byName(name: string, rest: string[], ctx: Context, manage: string | undefined): AppServer | null {
  switch (name) {
    case 'gunicorn':
    case 'gunicorn3':
      return gunicorn(rest, ctx);
    case 'uvicorn':
      return uvicorn(rest, ctx);
    case 'daphne':
      return daphne(rest);
    case 'hypercorn':
      return hypercorn(rest, ctx);
    case 'waitress-serve':
    case 'waitress':
      return waitress(rest);
    case 'manage.py':
      return runserver(rest, manage);
    case 'django-admin':
    case 'django-admin.py':
    case 'django':
      return runserver(rest, undefined);
    default:
      return null;
  }
}

export function recognise(argv: string[], ctx: Context): AppServer | null {
  // Wrappers (env, poetry run, …) are looked through in a loop over argv, not by recursion on the rest of it:
  // a command of thousands of them must neither overflow the stack nor copy the rest of argv at each one.
  let at = 0;
  // Each wrapper, and each directory change of env -C, counts: a path made longer at each step costs more.
  let wrappers = 0;
  while (wrappers++ <= MAX_WRAPPERS) {
    const exe = argv[at];
    if (exe === undefined) return null;
    const name = posix.basename(exe);
    if (name === 'env') {
      let i = at + 1;
      for (; i < argv.length && wrappers <= MAX_WRAPPERS; i++) {
        const a = argv[i] as string;
        if (a === '-u' || a === '--unset') i++;
        else if (a === '-C' || a === '--chdir') {
          ctx.cwd = resolve(argv[++i] ?? '', ctx.cwd);
          wrappers++;
        } else if (a.startsWith('--chdir=')) {
          ctx.cwd = resolve(a.slice(8), ctx.cwd);
          wrappers++;
        } else if (a.startsWith('-')) continue;
        else if (/^[A-Za-z_]\w*=/.test(a)) ctx.env[a.slice(0, a.indexOf('='))] = a.slice(a.indexOf('=') + 1);
        else break;
      }
      at = i;
      continue;
    }
    if (RUNNERS.has(name) && argv[at + 1] === 'run') {
      let start = at + 2;
      while (start < argv.length && (argv[start] as string).startsWith('-')) start++;
      if (start >= argv.length) return null;
      at = start;
      continue;
    }
    return recogniseCommand(exe, name, argv.slice(at + 1), ctx);
  }
  return null;
}

/** A command that is no wrapper: a shell script, python, or an app server by name. */
function recogniseCommand(exe: string, name: string, rest: string[], ctx: Context): AppServer | null {
  if (SHELLS.has(name)) {
    const flag = rest.findIndex((a) => /^-[a-z]*c[a-z]*$/.test(a));
    const script = flag === -1 ? undefined : rest[flag + 1];
    return script === undefined ? null : shellScript(script, ctx);
  }
  if (PYTHON.test(name)) return runPython(exe, rest, ctx);
  const found = byName(name, rest, ctx, resolve(exe, ctx.cwd));
  if (!found) return null;
  const python =
    pythonEnvOf(exe, false, ctx.cwd) ??
    (ctx.activated !== undefined ? pythonEnvOf(posix.join(ctx.activated, name)) : undefined);
  return withPython(found, python);
}
