// The Docker Engine API over its unix socket, with node:http: medic asks a handful of GET endpoints
// (containers, inspect, logs), which needs no client library and none of a library's transports (ssh, tcp+tls).
// Never `docker ps` text: the API's JSON is the engine's own contract.
import { request } from 'node:http';
import { codeOf, messageOf, probe, type ProbeError, type ProbeResult } from './probe.ts';

/** `no_engine`: no socket, or nothing answers on it; `not_found`: no such container. */
export type DockerFailure = 'no_engine' | 'permission' | 'not_found' | 'timeout' | 'protocol' | 'other';

/** The engine's socket: DOCKER_HOST when it names a unix socket, else the standard path. */
export function dockerSocket(env: NodeJS.ProcessEnv = process.env): string {
  const h = env['DOCKER_HOST'];
  return h?.startsWith('unix://') ? h.slice('unix://'.length) : '/var/run/docker.sock';
}

export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  State: string;
  Status: string;
  Labels: Record<string, string>;
  Ports?: { PrivatePort: number; PublicPort?: number; IP?: string; Type: string }[];
}

export interface ContainerState {
  Status: string;
  Running: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  Health?: {
    Status: string;
    FailingStreak: number;
    Log: { Start: string; ExitCode: number; Output: string }[];
  };
}

export interface ContainerInspect {
  Id: string;
  Name: string;
  Created: string;
  RestartCount: number;
  State: ContainerState;
  Config: {
    Env?: string[] | null;
    Labels?: Record<string, string> | null;
    Image: string;
    User?: string;
    /** The image's or the run's HEALTHCHECK; Test ["NONE"] turns the image's off. */
    Healthcheck?: { Test?: string[] | null } | null;
  };
  HostConfig: {
    RestartPolicy?: { Name: string; MaximumRetryCount?: number };
    Memory?: number;
    PortBindings?: Record<string, { HostIp: string; HostPort: string }[] | null> | null;
  };
  Mounts?: { Type: string; Name?: string; Source?: string; Destination: string; RW?: boolean }[] | null;
  NetworkSettings: {
    Ports?: Record<string, { HostIp: string; HostPort: string }[] | null> | null;
    Networks?: Record<string, { Aliases?: string[] | null; IPAddress?: string }> | null;
  };
}

/** GET a path of the Engine API; the body as bytes. */
function get(path: string, timeoutMs: number, socket: string): Promise<ProbeResult<Buffer, DockerFailure>> {
  return probe(
    timeoutMs,
    (signal) =>
      new Promise<Buffer>((resolve, reject) => {
        const req = request({ socketPath: socket, path, method: 'GET', signal }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const body = Buffer.concat(chunks);
            if (res.statusCode === 404) reject(new EngineError('not_found', body.toString('utf8')));
            else if ((res.statusCode ?? 500) >= 400) reject(new EngineError('other', body.toString('utf8')));
            else resolve(body);
          });
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      }),
    classifyDockerError,
    `the Docker engine at ${socket}`,
  );
}

class EngineError extends Error {
  readonly kind: DockerFailure;
  constructor(kind: DockerFailure, body: string) {
    let message = body.trim();
    try {
      message = (JSON.parse(body) as { message?: string }).message ?? message;
    } catch {
      // not JSON: the text as it came
    }
    super(message);
    this.kind = kind;
  }
}

export function classifyDockerError(err: unknown): ProbeError<DockerFailure> {
  if (err instanceof EngineError) return { kind: err.kind, message: err.message };
  const code = codeOf(err);
  if (code === 'ENOENT' || code === 'ECONNREFUSED')
    return { kind: 'no_engine', message: `no Docker engine answers (${code})` };
  if (code === 'EACCES') return { kind: 'permission', message: 'the Docker socket is not open to this user' };
  return { kind: 'other', message: messageOf(err) };
}

async function json<T>(
  path: string,
  timeoutMs: number,
  socket: string,
): Promise<ProbeResult<T, DockerFailure>> {
  const r = await get(path, timeoutMs, socket);
  if (!r.ok) return r;
  try {
    return { ok: true, value: JSON.parse(r.value.toString('utf8')) as T, ms: r.ms };
  } catch {
    return { ok: false, error: { kind: 'protocol', message: 'the engine answered no JSON' }, ms: r.ms };
  }
}

/** Every container, running or not (`docker ps -a`). */
export function containers(
  timeoutMs: number,
  socket = dockerSocket(),
): Promise<ProbeResult<ContainerSummary[], DockerFailure>> {
  return json('/containers/json?all=1', timeoutMs, socket);
}

export function inspectContainer(
  id: string,
  timeoutMs: number,
  socket = dockerSocket(),
): Promise<ProbeResult<ContainerInspect, DockerFailure>> {
  return json(`/containers/${encodeURIComponent(id)}/json`, timeoutMs, socket);
}

/** `docker logs -t --tail N`: both streams, each line with the engine's RFC 3339 stamp. */
export async function containerLogs(
  id: string,
  tail: number,
  timeoutMs: number,
  socket = dockerSocket(),
  /** Only the lines since this moment (milliseconds since the epoch). */
  sinceMs?: number,
): Promise<ProbeResult<string, DockerFailure>> {
  const since = sinceMs === undefined ? '' : `&since=${(sinceMs / 1000).toFixed(3)}`;
  const r = await get(
    `/containers/${encodeURIComponent(id)}/logs?stdout=1&stderr=1&timestamps=1&tail=${tail}${since}`,
    timeoutMs,
    socket,
  );
  return r.ok ? { ok: true, value: demuxLogs(r.value), ms: r.ms } : r;
}

/** What `docker stats --no-stream` reads: memory in use (the page cache not counted) and the limit. */
export interface ContainerMemory {
  usage: number;
  limit: number;
}

export async function containerMemory(
  id: string,
  timeoutMs: number,
  socket = dockerSocket(),
): Promise<ProbeResult<ContainerMemory, DockerFailure>> {
  const r = await json<{
    memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  }>(`/containers/${encodeURIComponent(id)}/stats?stream=false&one-shot=true`, timeoutMs, socket);
  if (!r.ok) return r;
  const m = r.value.memory_stats ?? {};
  // cgroup v2 counts the file cache in usage: docker stats leaves inactive_file out, and so does medic
  const cache = m.stats?.inactive_file ?? m.stats?.total_inactive_file ?? 0;
  return { ok: true, value: { usage: Math.max(0, (m.usage ?? 0) - cache), limit: m.limit ?? 0 }, ms: r.ms };
}

/** One of the engine's events about a container (`docker events`): die, oom, start, health_status... */
export interface ContainerEvent {
  Action: string;
  time: number;
  Actor: { Attributes: Record<string, string> };
}

/** The engine's events about one container between two moments (milliseconds since the epoch). */
export async function containerEvents(
  id: string,
  sinceMs: number,
  untilMs: number,
  timeoutMs: number,
  socket = dockerSocket(),
): Promise<ProbeResult<ContainerEvent[], DockerFailure>> {
  const filters = encodeURIComponent(JSON.stringify({ type: ['container'], container: [id] }));
  const r = await get(
    `/events?since=${Math.floor(sinceMs / 1000)}&until=${Math.ceil(untilMs / 1000)}&filters=${filters}`,
    timeoutMs,
    socket,
  );
  if (!r.ok) return r;
  const events: ContainerEvent[] = [];
  for (const line of r.value.toString('utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      events.push(JSON.parse(line) as ContainerEvent);
    } catch {
      // a line cut short: the others still stand
    }
  }
  return { ok: true, value: events, ms: r.ms };
}

/**
 * A container without a TTY sends its logs as frames: one byte for the stream, three zero bytes, the
 * length as a big-endian uint32, then the payload. With a TTY the bytes come as they are.
 */
export function demuxLogs(buf: Buffer): string {
  const framed = buf.length >= 8 && buf[0]! <= 2 && buf[1] === 0 && buf[2] === 0 && buf[3] === 0;
  if (!framed) return buf.toString('utf8');
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= buf.length) {
    const size = buf.readUInt32BE(at + 4);
    parts.push(buf.subarray(at + 8, Math.min(buf.length, at + 8 + size)));
    at += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}
