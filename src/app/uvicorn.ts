// uvicorn: where it listens, from its options or the UVICORN_* variables.
import type { AppServer } from './server.ts';
import { scan, last, has, integer } from './argv.ts';
import { parseBind } from './bind.ts';
import type { Context } from './command-context.ts';

const UVICORN_FLAGS = new Set([
  '--reload',
  '--factory',
  '--proxy-headers',
  '--no-proxy-headers',
  '--access-log',
  '--no-access-log',
  '--use-colors',
  '--no-use-colors',
  '--server-header',
  '--no-server-header',
  '--date-header',
  '--no-date-header',
  '--version',
  '--help',
]);

/** uvicorn: --uds, else --fd, else --host/--port; every option can also come from UVICORN_<OPTION>. */
export function uvicorn(args: string[], ctx: Context): AppServer {
  const cli = scan(args, UVICORN_FLAGS);
  const option = (name: string) =>
    last(cli, `--${name}`) ?? ctx.env[`UVICORN_${name.toUpperCase().replace(/-/g, '_')}`];
  const result: AppServer = { server: 'uvicorn', binds: [], argv: args };
  const uds = option('uds');
  const fd = integer(option('fd'));
  if (uds !== undefined) result.binds = [{ kind: 'unix', path: uds }];
  else if (fd !== undefined) result.fds = [fd];
  else {
    const bind = parseBind(`[${option('host') ?? '127.0.0.1'}]:${option('port') ?? '8000'}`);
    if (bind) result.binds = [bind];
  }
  const module = cli.positionals[0] ?? ctx.env.UVICORN_APP;
  const workers = integer(option('workers') ?? ctx.env.WEB_CONCURRENCY);
  const appDir = option('app-dir');
  if (module !== undefined) result.module = module;
  if (workers !== undefined) result.workers = workers;
  if (appDir !== undefined) result.appDir = appDir;
  if (has(cli, '--factory') || ctx.env.UVICORN_FACTORY === 'true') result.factory = true;
  return result;
}
