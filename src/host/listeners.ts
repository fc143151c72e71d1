import { readdir, readFile, readlink } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join, resolve } from 'node:path';
import { SocketAddress } from 'node:net';
import { codeOf, messageOf, probe, type ProbeError, type ProbeResult } from './probe.ts';

/** Who owns a listening socket: the process that opened it (the master of a pre-fork server). */
export type SocketOwner = {
  pid: number;
  /** /proc/PID/comm: `gunicorn`, `uvicorn`, `nginx`, `postgres`... */
  command: string;
  /** /proc/PID/cmdline, its arguments joined by spaces. */
  cmdline: string;
};

export type TcpListener = {
  kind: 'tcp';
  /** Canonical text form: `127.0.0.1`, `0.0.0.0`, `::`, `::1`, `::ffff:127.0.0.1`. */
  address: string;
  port: number;
  inode: number;
  uid: number;
} & Partial<SocketOwner>;

export type UnixListener = {
  kind: 'unix';
  /** The bound path; abstract sockets start with `@`. */
  path: string;
  inode: number;
} & Partial<SocketOwner>;

export type Listener = TcpListener | UnixListener;

export type ListenersFailure = 'not_found' | 'permission' | 'timeout' | 'other';

const TCP_LISTEN = '0A';
const SO_ACCEPTCON = 0x10000;
const DEFAULT_TIMEOUT_MS = 5000;

/**
 * Listening sockets of /proc/net/tcp or /proc/net/tcp6. Addresses there are hex words in the
 * kernel's byte order, so the machine that wrote the text decides how to read them.
 */
export function parseProcNetTcp(text: string, order: 'LE' | 'BE' = endianness()): TcpListener[] {
  const out: TcpListener[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
    if (fields.length < 10 || fields[3] !== TCP_LISTEN) continue;
    const [addressHex, portHex] = (fields[1] ?? '').split(':');
    if (!addressHex || !portHex) continue;
    const address = decodeProcAddress(addressHex, order);
    if (address === undefined) continue;
    out.push({
      kind: 'tcp',
      address,
      port: Number.parseInt(portHex, 16),
      uid: Number(fields[7]),
      inode: Number(fields[9]),
    });
  }
  return out;
}

/** Listening sockets of /proc/net/unix that have a name (a path, or `@name` when abstract). */
export function parseProcNetUnix(text: string): UnixListener[] {
  const out: UnixListener[] = [];
  for (const line of text.split('\n')) {
    // Num: RefCount Protocol Flags Type St Inode Path (the path may contain spaces)
    const match = /^\s*[0-9a-fA-F]+:\s+\S+\s+\S+\s+([0-9a-fA-F]+)\s+\S+\s+\S+\s+(\d+)\s+(.+)$/.exec(line);
    if (!match) continue;
    const [, flags = '0', inode = '0', path = ''] = match;
    if ((Number.parseInt(flags, 16) & SO_ACCEPTCON) === 0) continue;
    out.push({ kind: 'unix', path: path.trimEnd(), inode: Number(inode) });
  }
  return out;
}

/** An address of /proc/net/tcp{,6} (`0100007F`, 32 hex digits for IPv6) as canonical text. */
export function decodeProcAddress(hex: string, order: 'LE' | 'BE' = endianness()): string | undefined {
  if (!/^[0-9a-fA-F]+$/.test(hex) || (hex.length !== 8 && hex.length !== 32)) return undefined;
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((word) => {
    const wordBytes = (word.match(/../g) ?? []).map((b) => Number.parseInt(b, 16));
    return order === 'LE' ? wordBytes.reverse() : wordBytes;
  });
  if (bytes.length === 4) return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return new SocketAddress({ address: groups.join(':'), family: 'ipv6' }).address;
}

/** The inode of an fd link target `socket:[12345]`. */
export function socketInodeOf(link: string): number | undefined {
  const match = /^socket:\[(\d+)\]$/.exec(link);
  return match ? Number(match[1]) : undefined;
}

/** The parent pid of a /proc/PID/stat line (the command may hold spaces and parentheses). */
export function parentPidOf(stat: string): number | undefined {
  const after = stat
    .slice(stat.lastIndexOf(')') + 1)
    .trim()
    .split(/\s+/);
  const ppid = Number(after[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
}

/** Every listening TCP and unix socket, with the process that owns it where /proc lets us see it. */
export function listeners(
  procRoot = '/proc',
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<ProbeResult<Listener[], ListenersFailure>> {
  return probe(timeoutMs, (signal) => readListeners(procRoot, signal), classifyProcError, procRoot);
}

/** The sockets listening on a TCP port, on any address (`0.0.0.0`, `::`, `127.0.0.1`...). */
export async function listenersOn(
  port: number,
  procRoot = '/proc',
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<ProbeResult<TcpListener[], ListenersFailure>> {
  const all = await listeners(procRoot, timeoutMs);
  if (!all.ok) return all;
  const value = all.value.filter((l): l is TcpListener => l.kind === 'tcp' && l.port === port);
  return { ok: true, value, ms: all.ms };
}

/** The socket listening on a unix socket path, if any process listens there. */
export async function listenerOnPath(
  path: string,
  procRoot = '/proc',
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<ProbeResult<UnixListener | undefined, ListenersFailure>> {
  const all = await listeners(procRoot, timeoutMs);
  if (!all.ok) return all;
  const wanted = path.startsWith('@') ? path : resolve(path);
  const value = all.value.find((l): l is UnixListener => l.kind === 'unix' && l.path === wanted);
  return { ok: true, value, ms: all.ms };
}

async function readListeners(procRoot: string, signal: AbortSignal): Promise<Listener[]> {
  const net = join(procRoot, 'net');
  const [tcp, tcp6, unix] = await Promise.all([
    readFile(join(net, 'tcp'), 'utf8'),
    readOptional(join(net, 'tcp6')), // absent when IPv6 is disabled
    readOptional(join(net, 'unix')),
  ]);
  const found: Listener[] = [
    ...parseProcNetTcp(tcp),
    ...parseProcNetTcp(tcp6 ?? ''),
    ...parseProcNetUnix(unix ?? ''),
  ];
  const owners = await socketOwners(procRoot, new Set(found.map((l) => l.inode)), signal);
  return found.map((l) => ({ ...l, ...owners.get(l.inode) }));
}

/**
 * Maps socket inodes to the processes holding them, through /proc/PID/fd. Processes we may not
 * look into (another user's, when not root) are skipped. Pre-fork servers share the listening
 * socket with their workers, so the holder whose parent is not a holder too is the owner.
 */
export async function socketOwners(
  procRoot: string,
  inodes: ReadonlySet<number>,
  signal?: AbortSignal,
): Promise<Map<number, SocketOwner>> {
  const holders = new Map<number, number[]>();
  const pids = (await readdir(procRoot)).filter((name) => /^\d+$/.test(name)).map(Number);
  const BATCH = 64;
  for (let i = 0; i < pids.length && !signal?.aborted; i += BATCH) {
    await Promise.all(
      pids.slice(i, i + BATCH).map(async (pid) => {
        for (const inode of await socketInodesOf(procRoot, pid)) {
          if (!inodes.has(inode)) continue;
          const list = holders.get(inode) ?? [];
          if (!list.includes(pid)) list.push(pid);
          holders.set(inode, list);
        }
      }),
    );
  }
  const owners = new Map<number, SocketOwner>();
  for (const [inode, pids] of holders) {
    const pid = await ownerAmong(procRoot, pids);
    owners.set(inode, { pid, ...(await describeProcess(procRoot, pid)) });
  }
  return owners;
}

async function socketInodesOf(procRoot: string, pid: number): Promise<number[]> {
  const dir = join(procRoot, String(pid), 'fd');
  let fds: string[];
  try {
    fds = await readdir(dir);
  } catch {
    return []; // gone, or not ours to see
  }
  const links = await Promise.all(fds.map((fd) => readlink(join(dir, fd)).catch(() => '')));
  return links.map(socketInodeOf).filter((n): n is number => n !== undefined);
}

async function ownerAmong(procRoot: string, pids: number[]): Promise<number> {
  const sorted = [...pids].sort((a, b) => a - b);
  for (const pid of sorted) {
    const stat = await readOptional(join(procRoot, String(pid), 'stat'));
    const parent = stat === undefined ? undefined : parentPidOf(stat);
    if (parent === undefined || !pids.includes(parent)) return pid;
  }
  return sorted[0] ?? 0;
}

async function describeProcess(procRoot: string, pid: number): Promise<{ command: string; cmdline: string }> {
  const [comm, cmdline] = await Promise.all([
    readOptional(join(procRoot, String(pid), 'comm')),
    readOptional(join(procRoot, String(pid), 'cmdline')),
  ]);
  return {
    command: (comm ?? '').trim(),
    cmdline: (cmdline ?? '').replace(/\0+$/, '').split('\0').join(' '),
  };
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

function classifyProcError(err: unknown): ProbeError<ListenersFailure> {
  const code = codeOf(err);
  if (code === 'ENOENT') return { kind: 'not_found', message: `no /proc to read: ${messageOf(err)}` };
  if (code === 'EACCES' || code === 'EPERM') return { kind: 'permission', message: messageOf(err) };
  return { kind: 'other', message: messageOf(err) };
}
