// The Docker Engine API over its unix socket, with node:http: medic asks a handful of GET endpoints
// (containers, inspect, logs), which needs no client library and none of a library's transports (ssh, tcp+tls).
// Never `docker ps` text: the API's JSON is the engine's own contract.
import { request } from 'node:http';
import { extract } from 'tar-stream';
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
  /** The id of the image it runs (Config.Image is the name it was created from). */
  Image: string;
  Created: string;
  /** The program its main process runs (the entrypoint's first word, else the command's). */
  Path?: string;
  RestartCount: number;
  State: ContainerState;
  Config: {
    Env?: string[] | null;
    Labels?: Record<string, string> | null;
    Image: string;
    User?: string;
    WorkingDir?: string;
    Cmd?: string[] | null;
    Entrypoint?: string[] | null;
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
  return call('GET', path, undefined, timeoutMs, socket);
}

/** One request to the Engine API: the body as bytes, at most `maxBytes` of it (then the answer is cut). */
export function call(
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body: unknown,
  timeoutMs: number,
  socket: string,
  maxBytes = 64 * 1024 * 1024,
): Promise<ProbeResult<Buffer, DockerFailure>> {
  return probe(
    timeoutMs,
    (signal) =>
      new Promise<Buffer>((resolve, reject) => {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        const headers = payload === undefined ? {} : { 'content-type': 'application/json' };
        const req = request({ socketPath: socket, path, method, signal, headers }, (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            if (size >= maxBytes) return;
            chunks.push(c);
            size += c.length;
            // Enough of it: the rest (a volume's whole contents, say) is not read.
            if (size >= maxBytes) res.destroy();
          });
          const done = () => {
            const all = Buffer.concat(chunks);
            if (res.statusCode === 404) reject(new EngineError('not_found', all.toString('utf8')));
            else if ((res.statusCode ?? 500) >= 400) reject(new EngineError('other', all.toString('utf8')));
            else resolve(all);
          };
          res.on('end', done);
          res.on('close', done);
          res.on('error', (e) => (size >= maxBytes ? done() : reject(e)));
        });
        req.on('error', reject);
        req.end(payload);
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
    `/events?since=${Math.floor(sinceMs / 1000)}&until=${(untilMs / 1000).toFixed(3)}&filters=${filters}`,
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
 * A container without a TTY sends its output as frames: one byte for the stream (1 stdout, 2 stderr), three
 * zero bytes, the length as a big-endian uint32, then the payload. With a TTY the bytes come as they are (null).
 */
function framesOf(buf: Buffer): { stream: number; data: Buffer }[] | null {
  const framed = buf.length >= 8 && buf[0]! <= 2 && buf[1] === 0 && buf[2] === 0 && buf[3] === 0;
  if (!framed) return null;
  const frames: { stream: number; data: Buffer }[] = [];
  let at = 0;
  while (at + 8 <= buf.length) {
    const size = buf.readUInt32BE(at + 4);
    frames.push({ stream: buf[at]!, data: buf.subarray(at + 8, Math.min(buf.length, at + 8 + size)) });
    at += 8 + size;
  }
  return frames;
}

/** A container's logs as one text, both streams in the order they came. */
export function demuxLogs(buf: Buffer): string {
  const frames = framesOf(buf);
  return frames ? Buffer.concat(frames.map((f) => f.data)).toString('utf8') : buf.toString('utf8');
}

/** What a command run inside a container (`docker exec`) printed, and how it ended. */
export interface ExecOutput {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `docker exec [--user USER] CONTAINER CMD...`: runs a command inside a running container and waits for it.
 * The deadline covers the whole exchange; a command still running then is left to end on its own.
 */
export async function execInContainer(
  id: string,
  cmd: string[],
  opts: { user?: string; timeoutMs: number },
  socket = dockerSocket(),
): Promise<ProbeResult<ExecOutput, DockerFailure>> {
  const started = performance.now();
  const left = () => Math.max(1, opts.timeoutMs - (performance.now() - started));
  const created = await call(
    'POST',
    `/containers/${encodeURIComponent(id)}/exec`,
    {
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      Cmd: cmd,
      ...(opts.user ? { User: opts.user } : {}),
    },
    left(),
    socket,
  );
  if (!created.ok) return created;
  let execId: string;
  try {
    execId = (JSON.parse(created.value.toString('utf8')) as { Id: string }).Id;
  } catch {
    return {
      ok: false,
      error: { kind: 'protocol', message: 'the engine answered no exec id' },
      ms: created.ms,
    };
  }
  const out = await call(
    'POST',
    `/exec/${execId}/start`,
    { Detach: false, Tty: false },
    left(),
    socket,
    1024 * 1024,
  );
  if (!out.ok) return out;
  const state = await json<{ ExitCode: number | null; Running: boolean }>(
    `/exec/${execId}/json`,
    left(),
    socket,
  );
  const { stdout, stderr } = demuxStreams(out.value);
  const ms = Math.round(performance.now() - started);
  return {
    ok: true,
    value: { code: state.ok && !state.value.Running ? state.value.ExitCode : null, stdout, stderr },
    ms,
  };
}

/** One entry of a container's file system as `docker cp` archives it. */
export interface ArchiveEntry {
  /** Relative to the archived path's parent: `logs`, `logs/app.log`, `passwd`. */
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  linkname: string | null;
  /** The file's bytes, for files within the size asked for; null for the rest. */
  body: Buffer | null;
}

/**
 * A file or directory of a container, running or not (`docker cp CONTAINER:PATH -`), read through the
 * archive endpoint: the entries' owners and modes, and the contents of files up to `fileBytes` each.
 * `maxBytes` bounds the whole read: with a small one, only the first entries (a volume's own directory
 * header) come back, never its contents.
 */
export async function containerArchive(
  id: string,
  path: string,
  opts: { timeoutMs: number; maxBytes: number; fileBytes: number },
  socket = dockerSocket(),
): Promise<ProbeResult<ArchiveEntry[], DockerFailure>> {
  const r = await call(
    'GET',
    `/containers/${encodeURIComponent(id)}/archive?path=${encodeURIComponent(path)}`,
    undefined,
    opts.timeoutMs,
    socket,
    opts.maxBytes,
  );
  if (!r.ok) return r;
  return { ok: true, value: await archiveEntriesOf(r.value, opts.fileBytes), ms: r.ms };
}

/** The entries of a tar, as many as are whole in `tar` (it may be cut short). */
export function archiveEntriesOf(tar: Buffer, fileBytes: number): Promise<ArchiveEntry[]> {
  return new Promise((resolve) => {
    const entries: ArchiveEntry[] = [];
    const x = extract();
    x.on('entry', (h, stream, next) => {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (data: unknown) => {
        const c = data as Buffer;
        size += c.length;
        if (size <= fileBytes) chunks.push(c);
      });
      stream.on('end', () => {
        entries.push({
          name: h.name.replace(/\/$/, ''),
          type: h.type ?? 'file',
          mode: h.mode ?? 0,
          uid: h.uid ?? 0,
          gid: h.gid ?? 0,
          linkname: h.linkname ?? null,
          body: h.type === 'file' && size <= fileBytes ? Buffer.concat(chunks) : null,
        });
        next();
      });
      stream.on('error', () => next());
    });
    x.on('finish', () => resolve(entries));
    x.on('error', () => resolve(entries));
    x.end(tar);
  });
}

/** stdout and stderr of a command's output (see framesOf), kept apart. */
export function demuxStreams(buf: Buffer): { stdout: string; stderr: string } {
  const frames = framesOf(buf);
  if (!frames) return { stdout: buf.toString('utf8'), stderr: '' };
  const of = (n: number) =>
    Buffer.concat(frames.filter((f) => (f.stream === 2) === (n === 2)).map((f) => f.data)).toString('utf8');
  return { stdout: of(1), stderr: of(2) };
}

/** `docker restart -t SECONDS`: stops the container (SIGTERM, then SIGKILL after the grace) and starts it. */
export async function restartContainer(
  id: string,
  graceSeconds: number,
  timeoutMs: number,
  socket = dockerSocket(),
): Promise<ProbeResult<null, DockerFailure>> {
  const r = await call(
    'POST',
    `/containers/${encodeURIComponent(id)}/restart?t=${graceSeconds}`,
    undefined,
    timeoutMs,
    socket,
  );
  return r.ok ? { ok: true, value: null, ms: r.ms } : r;
}

export interface EventFollower {
  stop(): void;
}

/**
 * The engine's container events as they happen (`docker events`), each line parsed. When the stream ends
 * (the engine restarted, the socket went away) it is opened again a second later from the last event's
 * time, so nothing in between is missed.
 */
export function followEngineEvents(
  onEvent: (e: Record<string, unknown>) => void,
  onProblem: (message: string) => void,
  socket = dockerSocket(),
): EventFollower {
  let stopped = false;
  let since: number | null = null;
  let current: ReturnType<typeof request> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let attempt = 0;
  const again = (why: string, of: number) => {
    // end and error may both come for one connection: it is opened again once
    if (of !== attempt) return;
    attempt += 1;
    current = null;
    if (stopped) return;
    onProblem(`${why}; following the engine's events again in 1 s`);
    timer = setTimeout(open, 1000);
  };
  const open = () => {
    const mine = attempt;
    const filters = encodeURIComponent(JSON.stringify({ type: ['container'] }));
    const from = since === null ? '' : `&since=${since}`;
    const req = request(
      { socketPath: socket, path: `/events?filters=${filters}${from}`, method: 'GET' },
      (res) => {
        if ((res.statusCode ?? 500) >= 400) {
          res.resume();
          return again(`the engine answered ${res.statusCode} to /events`, mine);
        }
        let rest = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          rest += chunk;
          let nl: number;
          while ((nl = rest.indexOf('\n')) >= 0) {
            const line = rest.slice(0, nl);
            rest = rest.slice(nl + 1);
            if (!line.trim()) continue;
            try {
              const e = JSON.parse(line) as Record<string, unknown>;
              if (typeof e['timeNano'] === 'number') since = (e['timeNano'] as number) / 1e9 + 1e-9;
              else if (typeof e['time'] === 'number') since = e['time'] as number;
              onEvent(e);
            } catch {
              // a line cut short: the next ones still count
            }
          }
        });
        res.on('end', () => again('the engine closed its events stream', mine));
        res.on('error', (err) => again(`the events stream failed: ${messageOf(err)}`, mine));
      },
    );
    req.on('error', (err) => again(classifyDockerError(err).message, mine));
    req.end();
    current = req;
  };
  open();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      current?.destroy();
    },
  };
}
