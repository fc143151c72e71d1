import { Socket } from 'node:net';
import { codeOf, messageOf, probe, type ProbeError, type ProbeResult } from './probe.ts';

/**
 * Why a connection failed. `not_found`: the unix socket path does not exist; `busy`: the unix
 * socket's backlog is full (EAGAIN, nginx's "Resource temporarily unavailable"); `dns`: the host
 * name does not resolve; `unreachable`: no route (EHOSTUNREACH, ENETUNREACH).
 */
export type ConnectFailure =
  'refused' | 'not_found' | 'busy' | 'permission' | 'timeout' | 'unreachable' | 'dns' | 'other';

export type TcpConnection = { host: string; port: number; remoteAddress: string };
export type UnixConnection = { path: string };

/** Opens a TCP connection to host:port and closes it at once. */
export function connectTcp(
  host: string,
  port: number,
  timeoutMs: number,
): Promise<ProbeResult<TcpConnection, ConnectFailure>> {
  const target = `${host}:${port}`;
  return probe(
    timeoutMs,
    async (signal) => {
      const socket = await open(signal, (s) => s.connect({ host, port }));
      return { host, port, remoteAddress: socket.remoteAddress ?? host };
    },
    (err) => classifyConnectError(err, target),
    target,
  );
}

/**
 * Connects to host:port and stays HOLD_MS without a word: `held` false when the peer closed first. A proxy
 * in front of nothing (docker-proxy for a container whose app listens on its own loopback) accepts and hangs
 * up at once; a server waits for the client to speak.
 */
export function connectAndHold(
  host: string,
  port: number,
  holdMs: number,
  timeoutMs: number,
): Promise<ProbeResult<{ held: boolean }, ConnectFailure>> {
  const target = `${host}:${port}`;
  return probe(
    timeoutMs + holdMs,
    (signal) =>
      new Promise<{ held: boolean }>((resolve, reject) => {
        const socket = new Socket();
        let timer: NodeJS.Timeout | undefined;
        const done = (f: () => void) => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          socket.destroy();
          f();
        };
        const onAbort = () => done(() => reject(new Error('aborted')));
        signal.addEventListener('abort', onAbort, { once: true });
        let connected = false;
        socket.on('error', (err) => done(() => (connected ? resolve({ held: false }) : reject(err))));
        socket.on('end', () => done(() => resolve({ held: false })));
        socket.on('close', () => done(() => resolve({ held: false })));
        socket.on('data', () => {});
        socket.once('connect', () => {
          connected = true;
          timer = setTimeout(() => done(() => resolve({ held: true })), holdMs);
        });
        socket.connect({ host, port });
      }),
    (err) => classifyConnectError(err, target),
    target,
  );
}

/** Opens a connection to a unix socket (a Gunicorn bind, the PostgreSQL socket) and closes it. */
export function connectUnix(
  path: string,
  timeoutMs: number,
): Promise<ProbeResult<UnixConnection, ConnectFailure>> {
  return probe(
    timeoutMs,
    async (signal) => {
      await open(signal, (s) => s.connect({ path }));
      return { path };
    },
    (err) => classifyConnectError(err, path),
    path,
  );
}

function open(signal: AbortSignal, connect: (socket: Socket) => void): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const socket = new Socket();
    const onAbort = () => socket.destroy();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('error', (err) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(err);
    });
    socket.once('connect', () => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(socket);
    });
    connect(socket);
  });
}

/** Names a socket error as a connect failure, with a message that says what it means here. */
export function classifyConnectError(err: unknown, target: string): ProbeError<ConnectFailure> {
  const unix = target.startsWith('/');
  switch (codeOf(err)) {
    case 'ECONNREFUSED':
      return unix
        ? { kind: 'refused', message: `${target} exists but nothing listens on it (a stale socket)` }
        : { kind: 'refused', message: `connection refused by ${target}: nothing listens there` };
    case 'ENOENT':
      return { kind: 'not_found', message: `no such socket: ${target}` };
    case 'EAGAIN':
      return { kind: 'busy', message: `${target} accepts no more connections: its backlog is full` };
    case 'EACCES':
    case 'EPERM':
      return { kind: 'permission', message: `permission denied connecting to ${target}` };
    case 'ETIMEDOUT':
      return { kind: 'timeout', message: `connection to ${target} timed out` };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
      return { kind: 'unreachable', message: `no route to ${target}` };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NODATA':
    case 'EAI_NONAME':
      return { kind: 'dns', message: `cannot resolve ${target}: ${messageOf(err)}` };
    default:
      return { kind: 'other', message: `${target}: ${messageOf(err)}` };
  }
}
