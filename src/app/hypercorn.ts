// hypercorn: its binds from the command line or its TOML config file.
import type { AppServer } from './server.ts';
import { scan, values, last, integer, stringList } from './argv.ts';
import { bindsOf } from './bind.ts';
import { type Context, readConfig } from './command-context.ts';
import type { PyValue } from './python-expression.ts';

const HYPERCORN_FLAGS = new Set(['--reload', '--debug', '--version', '-h', '--help']);

export function hypercorn(args: string[], ctx: Context): AppServer {
  const cli = scan(args, HYPERCORN_FLAGS);
  const result: AppServer = { server: 'hypercorn', binds: [], argv: args };
  const configSpec = last(cli, '-c', '--config');
  let settings = new Map<string, PyValue>();
  let unresolved = new Set<string>();
  if (configSpec !== undefined) {
    const config = readConfig(configSpec, ctx);
    result.configFile = config.file;
    result.configRead = config.settings !== undefined;
    if (config.settings) settings = config.settings;
    if (config.unresolved) unresolved = config.unresolved;
  }
  const bind = [...values(cli, '-b', '--bind'), ...values(cli, '--insecure-bind')];
  const fromConfig = [
    ...(stringList(settings.get('bind')) ?? []),
    ...(stringList(settings.get('insecure_bind')) ?? []),
  ];
  const bindUnknown = bind.length === 0 && (unresolved.has('bind') || unresolved.has('insecure_bind'));
  if (bindUnknown) result.unresolved = ['binds'];
  const { binds, fds } = bindsOf(
    bind.length > 0 ? bind : fromConfig.length > 0 || bindUnknown ? fromConfig : ['127.0.0.1:8000'],
  );
  result.binds = binds;
  if (fds.length > 0) result.fds = fds;
  const workers = integer(last(cli, '-w', '--workers') ?? settings.get('workers'));
  const workerClass = last(cli, '-k', '--worker-class') ?? settings.get('worker_class');
  if (workers !== undefined) result.workers = workers;
  if (typeof workerClass === 'string') result.workerClass = workerClass;
  if (cli.positionals[0] !== undefined) result.module = cli.positionals[0];
  return result;
}
