// The Engine API calls that change the engine: build and tag images, create, start, stop and remove
// containers. Only medic deploy makes them, and only when the user asked for a deploy.
import { request } from 'node:http';
import type { Readable } from 'node:stream';
import {
  call,
  classifyDockerError,
  type ContainerInspect,
  type DockerFailure,
  dockerSocket,
} from './docker.ts';
import { messageOf, type ProbeResult } from './probe.ts';

/** What an image says about how it runs (GET /images/NAME/json), the part a container inherits. */
export interface ImageInspect {
  Id: string;
  RepoTags?: string[] | null;
  Config: Pick<
    ContainerInspect['Config'],
    'Env' | 'Cmd' | 'Entrypoint' | 'User' | 'WorkingDir' | 'Labels' | 'Healthcheck'
  > & { ExposedPorts?: Record<string, object> | null };
}

async function jsonOf<T>(r: ProbeResult<Buffer, DockerFailure>): Promise<ProbeResult<T, DockerFailure>> {
  if (!r.ok) return r;
  try {
    return { ok: true, value: JSON.parse(r.value.toString('utf8') || 'null') as T, ms: r.ms };
  } catch {
    return { ok: false, error: { kind: 'protocol', message: 'the engine answered no JSON' }, ms: r.ms };
  }
}

const nothing = (r: ProbeResult<Buffer, DockerFailure>): ProbeResult<null, DockerFailure> =>
  r.ok ? { ok: true, value: null, ms: r.ms } : r;

const enc = encodeURIComponent;

export async function inspectImage(
  name: string,
  timeoutMs: number,
  socket = dockerSocket(),
): Promise<ProbeResult<ImageInspect, DockerFailure>> {
  return jsonOf(await call('GET', `/images/${enc(name)}/json`, undefined, timeoutMs, socket));
}

/** `docker tag IMAGE REPO:TAG`: the name now points at this image (and no longer at the one before). */
export async function tagImage(
  image: string,
  repo: string,
  tag: string,
  timeoutMs: number,
  socket = dockerSocket(),
): Promise<ProbeResult<null, DockerFailure>> {
  return nothing(
    await call(
      'POST',
      `/images/${enc(image)}/tag?repo=${enc(repo)}&tag=${enc(tag)}`,
      undefined,
      timeoutMs,
      socket,
    ),
  );
}

/** `docker rmi NAME` without force: a name is untagged; an image a container uses stays. */
export async function removeImage(
  name: string,
  timeoutMs: number,
  socket = dockerSocket(),
): Promise<ProbeResult<null, DockerFailure>> {
  return nothing(await call('DELETE', `/images/${enc(name)}`, undefined, timeoutMs, socket));
}

/** The create request's body: the container's Config with its HostConfig and first network inside. */
export interface ContainerSpec extends Record<string, unknown> {
  Image: string;
  Labels: Record<string, string>;
  HostConfig: Record<string, unknown>;
  NetworkingConfig?: { EndpointsConfig: Record<string, { Aliases?: string[] }> };
}

export async function createContainer(
  name: string,
  spec: ContainerSpec,
  timeoutMs: number,
  socket = dockerSocket(),
): Promise<ProbeResult<string, DockerFailure>> {
  const r = await jsonOf<{ Id: string }>(
    await call('POST', `/containers/create?name=${enc(name)}`, spec, timeoutMs, socket),
  );
  return r.ok ? { ok: true, value: r.value.Id, ms: r.ms } : r;
}

/** Attaches a container to one more network (the create request takes one). */
export async function connectNetwork(
  network: string,
  container: string,
  timeoutMs: number,
  socket = dockerSocket(),
): Promise<ProbeResult<null, DockerFailure>> {
  return nothing(
    await call('POST', `/networks/${enc(network)}/connect`, { Container: container }, timeoutMs, socket),
  );
}

export async function startContainer(
  id: string,
  timeoutMs: number,
  socket = dockerSocket(),
): Promise<ProbeResult<null, DockerFailure>> {
  return nothing(await call('POST', `/containers/${enc(id)}/start`, undefined, timeoutMs, socket));
}

/** `docker stop -t GRACE` then `docker rm -v`: its anonymous volumes go, named volumes stay. */
export async function removeContainer(
  id: string,
  graceSeconds: number,
  timeoutMs: number,
  socket = dockerSocket(),
): Promise<ProbeResult<null, DockerFailure>> {
  await call('POST', `/containers/${enc(id)}/stop?t=${graceSeconds}`, undefined, timeoutMs, socket);
  const r = await call('DELETE', `/containers/${enc(id)}?force=1&v=1`, undefined, timeoutMs, socket);
  return r.ok || r.error.kind === 'not_found' ? { ok: true, value: null, ms: r.ms } : r;
}

export interface BuildOptions {
  /** REPO:TAG the image gets. */
  tag: string;
  /** The Dockerfile's path inside the context. */
  dockerfile: string;
  labels: Record<string, string>;
  buildArgs: Record<string, string>;
  target: string | null;
  timeoutMs: number;
}

/**
 * `docker build` through POST /build: the context goes as a tar, the engine answers one JSON object per
 * line ({stream}, {error}, {aux: {ID}}). The image id, or the build's error with its last lines of output.
 */
export function buildImage(
  context: Readable,
  o: BuildOptions,
  onLine: (line: string) => void,
  socket = dockerSocket(),
): Promise<ProbeResult<string, DockerFailure | 'build'> & { tail: string[] }> {
  const started = performance.now();
  const query = new URLSearchParams({
    t: o.tag,
    dockerfile: o.dockerfile,
    labels: JSON.stringify(o.labels),
    buildargs: JSON.stringify(o.buildArgs),
    rm: '1',
    forcerm: '1',
    ...(o.target ? { target: o.target } : {}),
  });
  const tail: string[] = [];
  const keep = (text: string) => {
    for (const line of text.split('\n').filter((l) => l.trim())) {
      tail.push(line);
      if (tail.length > 8) tail.shift();
      onLine(line);
    }
  };
  return new Promise((resolve) => {
    const ms = () => Math.round(performance.now() - started);
    let settled = false;
    const done = (r: ProbeResult<string, DockerFailure | 'build'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...r, tail });
    };
    const fail = (kind: DockerFailure | 'build', message: string) =>
      done({ ok: false, error: { kind, message }, ms: ms() });
    const req = request(
      {
        socketPath: socket,
        path: `/build?${query.toString()}`,
        method: 'POST',
        headers: { 'content-type': 'application/x-tar' },
      },
      (res) => {
        let rest = '';
        let id: string | null = null;
        let error: string | null = null;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          rest += chunk;
          let nl: number;
          while ((nl = rest.indexOf('\n')) >= 0) {
            const line = rest.slice(0, nl).trim();
            rest = rest.slice(nl + 1);
            if (!line) continue;
            try {
              const m = JSON.parse(line) as { stream?: string; error?: string; aux?: { ID?: string } };
              if (m.stream) keep(m.stream);
              if (m.aux?.ID) id = m.aux.ID;
              if (m.error) error = m.error.trim();
            } catch {
              keep(line);
            }
          }
        });
        res.on('end', () => {
          if ((res.statusCode ?? 500) >= 400) {
            let message = rest.trim();
            try {
              message = (JSON.parse(rest) as { message?: string }).message ?? message;
            } catch {
              // not JSON: the text as it came
            }
            return fail('build', message || `the engine answered ${res.statusCode}`);
          }
          if (error) return fail('build', error);
          if (!id) return fail('protocol', 'the build ended without an image id');
          done({ ok: true, value: id, ms: ms() });
        });
        res.on('error', (e) => fail('other', messageOf(e)));
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      fail('timeout', `the build took longer than ${Math.round(o.timeoutMs / 1000)} s`);
    }, o.timeoutMs);
    req.on('error', (e) => {
      const c = classifyDockerError(e);
      fail(c.kind, c.message);
    });
    context.on('error', (e) => {
      req.destroy();
      fail('other', `reading the build context: ${messageOf(e)}`);
    });
    context.pipe(req);
  });
}
