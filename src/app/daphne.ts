// daphne: host and port, a unix socket, a file descriptor or Twisted endpoints.
import type { AppServer } from './server.ts';
import { scan, values, last, integer } from './argv.ts';
import { type Bind, parseBind } from './bind.ts';

const DAPHNE_FLAGS = new Set(['--proxy-headers', '--no-server-name', '--version', '-h', '--help']);

/** A Twisted endpoint string as daphne takes with -e: "tcp:port=8000:interface=127.0.0.1", "unix:/run/x.sock". */
function endpoint(text: string): Bind | null {
  const [type, ...parts] = text.split(':');
  if (type === 'unix') {
    const path = parts.find((p) => !p.includes('=')) ?? parts.find((p) => p.startsWith('address='))?.slice(8);
    return path ? { kind: 'unix', path } : null;
  }
  if (type === 'tcp' || type === 'tcp6' || type === 'ssl') {
    const named = Object.fromEntries(parts.filter((p) => p.includes('=')).map((p) => p.split('=', 2)));
    const port = integer(named.port ?? parts.find((p) => /^\d+$/.test(p)));
    if (port === undefined) return null;
    return { kind: 'tcp', host: named.interface ?? (type === 'tcp6' ? '::' : '0.0.0.0'), port };
  }
  return null;
}

export function daphne(args: string[]): AppServer {
  const cli = scan(args, DAPHNE_FLAGS);
  const result: AppServer = { server: 'daphne', binds: [], argv: args };
  let host = last(cli, '-b', '--bind');
  let port = last(cli, '-p', '--port');
  const unix = last(cli, '-u', '--unix-socket');
  const fd = integer(last(cli, '--fd'));
  const endpoints = values(cli, '-e', '--endpoint');
  // daphne's defaults apply only when nothing says where to listen, and fill the half of host/port not given.
  if (
    host === undefined &&
    port === undefined &&
    unix === undefined &&
    fd === undefined &&
    endpoints.length === 0
  ) {
    host = '127.0.0.1';
    port = '8000';
  } else if (host !== undefined && port === undefined) port = '8000';
  else if (port !== undefined && host === undefined) host = '127.0.0.1';
  if (host !== undefined && port !== undefined) {
    const bind = parseBind(`[${host}]:${port}`);
    if (bind) result.binds.push(bind);
  }
  if (unix !== undefined) result.binds.push({ kind: 'unix', path: unix });
  for (const e of endpoints) {
    const bind = endpoint(e);
    if (bind) result.binds.push(bind);
  }
  if (fd !== undefined) result.fds = [fd];
  const timeout = integer(last(cli, '-t', '--http-timeout'));
  if (timeout !== undefined) result.timeout = timeout;
  if (cli.positionals[0] !== undefined) result.module = cli.positionals[0];
  return result;
}
