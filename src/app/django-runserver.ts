// Django's development server: manage.py runserver [addrport].
import { posix } from 'node:path';
import type { AppServer } from './server.ts';
import { scan, has } from './argv.ts';
import { parseBind } from './bind.ts';

const RUNSERVER_FLAGS = new Set([
  '--noreload',
  '--nothreading',
  '--ipv6',
  '-6',
  '--insecure',
  '--nostatic',
  '--traceback',
  '--no-color',
  '--force-color',
  '--skip-checks',
  '-h',
  '--help',
]);

/** `manage.py runserver [addrport]`: 127.0.0.1:8000 by default ([::1] with -6); "0" means 0.0.0.0. */
export function runserver(args: string[], manage: string | undefined): AppServer | null {
  if (args[0] !== 'runserver') return null;
  const cli = scan(args.slice(1), RUNSERVER_FLAGS);
  const ipv6 = has(cli, '-6', '--ipv6');
  const addrport = cli.positionals[0];
  const result: AppServer = { server: 'django-runserver', binds: [], argv: args };
  const bind = parseBind((addrport ?? '8000').replace(/^0:/, '0.0.0.0:'), ipv6 ? '::1' : '127.0.0.1');
  if (bind) result.binds = [bind];
  if (manage !== undefined && posix.isAbsolute(manage)) result.chdir = posix.dirname(manage);
  return result;
}
