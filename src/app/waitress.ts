// waitress-serve: --listen, --unix-socket or --host/--port.
import type { AppServer } from './server.ts';
import { scan, values, last, has } from './argv.ts';
import { bindsOf, parseBind } from './bind.ts';

const WAITRESS_FLAGS = new Set([
  '--help',
  '--call',
  '--ipv4',
  '--no-ipv4',
  '--ipv6',
  '--no-ipv6',
  '--expose-tracebacks',
  '--no-expose-tracebacks',
  '--log-untrusted-proxy-headers',
  '--no-log-untrusted-proxy-headers',
  '--clear-untrusted-proxy-headers',
  '--no-clear-untrusted-proxy-headers',
  '--asyncore-use-poll',
]);

/** waitress-serve: --listen (repeated) or --unix-socket or --host/--port, by default 0.0.0.0:8080. */
export function waitress(args: string[]): AppServer {
  const cli = scan(args, WAITRESS_FLAGS);
  const result: AppServer = { server: 'waitress', binds: [], argv: args };
  const listen = values(cli, '--listen');
  const unix = last(cli, '--unix-socket');
  if (listen.length > 0) result.binds = bindsOf(listen, '0.0.0.0').binds;
  else if (unix !== undefined) result.binds = [{ kind: 'unix', path: unix }];
  else {
    const bind = parseBind(`[${last(cli, '--host') ?? '0.0.0.0'}]:${last(cli, '--port') ?? '8080'}`);
    if (bind) result.binds = [bind];
  }
  if (cli.positionals[0] !== undefined) result.module = cli.positionals[0];
  if (has(cli, '--call')) result.factory = true;
  return result;
}
