// Where an app listens, as a TCP address or a unix socket, and the one way medic reads and writes it.

export type Bind = { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string };

/**
 * An address as servers and tools write it: "unix:/run/x.sock" (also "unix:///run/x.sock"), "0.0.0.0:8000",
 * "[::1]:8001", "http://127.0.0.1:8000/", "localhost".
 * ":8000" has an empty host, which binds every interface (0.0.0.0); "8000" alone is a port on
 * `defaultHost`; an address without a port is on `defaultPort`. A null default means that part must
 * be written, as in what a running server reports (a log line, ss, Nginx's upstream): there the
 * last ":digits" is the port (":::8000" is "::" port 8000). null for "fd://3" and what is not an address.
 */
export function parseBind(
  text: string,
  defaultHost: string | null = '127.0.0.1',
  defaultPort: number | null = 8000,
): Bind | null {
  const value = text.trim();
  const unix = /^unix:(?:\/\/)?(.+)$/.exec(value);
  if (unix) return { kind: 'unix', path: unix[1] as string };
  if (value === '' || value.startsWith('fd://')) return null;
  const address = value.replace(/^(?:tcp|https?):\/\//, '').replace(/\/$/, '');
  let host: string;
  let port = defaultPort === null ? '' : String(defaultPort);
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(address);
  const colons = (address.match(/:/g) ?? []).length;
  if (v6) {
    host = v6[1] as string;
    if (v6[2] !== undefined) port = v6[2];
  } else if (/^\d+$/.test(address)) {
    if (defaultHost === null) return null;
    host = defaultHost;
    port = address;
  } else if (colons > 1 && defaultPort !== null) {
    // A bare IPv6 address has no port.
    host = address;
  } else if (colons > 0) {
    const colon = address.lastIndexOf(':');
    host = address.slice(0, colon);
    port = address.slice(colon + 1);
    if (host === '') host = '0.0.0.0';
  } else {
    host = address;
  }
  if (!/^\d+$/.test(port) || Number(port) > 65535 || /[\s/]/.test(host)) return null;
  // "0" is how inet_aton and getaddrinfo read 0.0.0.0 ("0:8000" binds every IPv4 address).
  if (host === '0') host = '0.0.0.0';
  return { kind: 'tcp', host: host.toLowerCase(), port: Number(port) };
}

/** The binds of a server's addresses, and the file descriptors among them ("fd://3"). */
export function bindsOf(texts: string[], defaultHost = '127.0.0.1'): { binds: Bind[]; fds: number[] } {
  const binds: Bind[] = [];
  const fds: number[] = [];
  for (const text of texts) {
    const fd = /^fd:\/\/(\d+)$/.exec(text.trim());
    if (fd) fds.push(Number(fd[1]));
    const bind = parseBind(text, defaultHost);
    if (bind) binds.push(bind);
  }
  return { binds, fds };
}

/** "unix:/run/x.sock", "127.0.0.1:8000", "[::1]:8000": the form Gunicorn's -b and Nginx's `server` take. */
export function formatBind(bind: Bind): string {
  if (bind.kind === 'unix') return `unix:${bind.path}`;
  return `${bind.host.includes(':') ? `[${bind.host}]` : bind.host}:${bind.port}`;
}
