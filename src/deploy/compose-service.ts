// A compose service as medic deploy sees it: its project and files (from the labels compose puts on its
// containers), the container that serves now, the image name compose runs, the build section of its
// compose file, the published port Nginx proxies to; and `compose up` for the services it recreates.
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import type { Bind } from '../app/bind.ts';
import { configuredBinds, nameOf, PROJECT, SERVICE, siteFor } from '../checks/docker/context.ts';
import { containerNamed } from '../diagnose/container.ts';
import { findHealth, type Health } from '../discover/service.ts';
import { nginxView } from '../discover/units.ts';
import { UsageError } from '../errors.ts';
import {
  type ContainerInspect,
  type ContainerSummary,
  containers,
  dockerSocket,
  inspectContainer,
} from '../host/docker.ts';
import { readText } from '../host/files.ts';
import type { Host } from '../host/host.ts';
import { run } from '../host/run.ts';
import type { NginxSite } from '../nginx/sites.ts';
import { layoutOf, type Layout } from './layout.ts';

/** The label medic puts on the candidate container it runs beside a service: PROJECT/SERVICE. */
export const CANDIDATE_LABEL = 'medic.deploy.candidate';
/** The label of every image medic builds: its release id. */
export const RELEASE_LABEL = 'medic.release';
const VERSION = 'com.docker.compose.version';

export interface ComposeBuild {
  context: string;
  dockerfile: string;
  args: Record<string, string>;
  target: string | null;
}

export interface ComposeService {
  /** The name medic calls it by (medic.yaml's key, else the compose service). */
  name: string;
  project: string;
  service: string;
  workdir: string;
  /** The compose files, absolute, in the order compose read them. */
  files: string[];
  /** The compose command that made the containers: v1 (docker-compose) or v2 (docker compose). */
  compose: string[];
  /** The image name compose runs the service from (image: in the file, or the name it gave its build). */
  image: { repo: string; tag: string };
  build: ComposeBuild | null;
  /** The address Nginx proxies to: the port the service publishes on the host. */
  bind: Extract<Bind, { kind: 'tcp' }>;
  /** The container's port behind it ("8000/tcp"). */
  port: string;
  /** The name of the app's upstream and of its file in /etc/nginx/medic. */
  app: string;
  site: NginxSite | null;
  health: Health | null;
  layout: Layout;
}

/** The containers of the engine; a UsageError that says so when there is no engine. */
export async function engineContainers(): Promise<ContainerSummary[]> {
  const r = await containers(5000);
  if (r.ok) return r.value;
  if (r.error.kind === 'no_engine') throw new UsageError(`no Docker engine here (${dockerSocket()})`);
  throw new UsageError(`the Docker engine: ${r.error.message}`);
}

/** The container compose runs for a service now: running before stopped, the newest first; never medic's candidate. */
export function liveContainer(
  all: ContainerSummary[],
  project: string,
  service: string,
): ContainerSummary | undefined {
  return all
    .filter(
      (c) =>
        c.Labels[PROJECT] === project &&
        c.Labels[SERVICE] === service &&
        c.Labels['com.docker.compose.oneoff'] !== 'True' &&
        !c.Labels[CANDIDATE_LABEL],
    )
    .sort(
      (a, b) =>
        Number(b.State === 'running') - Number(a.State === 'running') ||
        ((b as { Created?: number }).Created ?? 0) - ((a as { Created?: number }).Created ?? 0),
    )[0];
}

/** REPO and TAG of an image name ("registry:5000/app:1.2" → registry:5000/app, 1.2). */
export function imageName(name: string): { repo: string; tag: string } {
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  return colon > slash
    ? { repo: name.slice(0, colon), tag: name.slice(colon + 1) }
    : { repo: name, tag: 'latest' };
}

/** The build section of SERVICE across the compose files (a later file overrides), its paths made absolute. */
export function buildOf(files: { path: string; text: string }[], service: string): ComposeBuild | null {
  let build: ComposeBuild | null = null;
  for (const f of files) {
    const doc = (parse(f.text) ?? {}) as { services?: Record<string, { build?: unknown }> };
    const b = doc.services?.[service]?.build;
    if (b === undefined || b === null) continue;
    const prev = build as ComposeBuild | null;
    const spec = typeof b === 'string' ? { context: b } : (b as Record<string, unknown>);
    const context: string = typeof spec['context'] === 'string' ? spec['context'] : (prev?.context ?? '.');
    const args = spec['args'];
    build = {
      context: isAbsolute(context) ? context : join(dirname(f.path), context),
      dockerfile:
        typeof spec['dockerfile'] === 'string' ? spec['dockerfile'] : (prev?.dockerfile ?? 'Dockerfile'),
      args: Array.isArray(args)
        ? Object.fromEntries(
            args
              .map((a) => String(a).split(/=(.*)/s).slice(0, 2) as [string, string])
              .filter(([, v]) => v !== undefined),
          )
        : args && typeof args === 'object'
          ? Object.fromEntries(Object.entries(args).map(([k, v]) => [k, String(v ?? '')]))
          : (prev?.args ?? {}),
      target: typeof spec['target'] === 'string' ? spec['target'] : (prev?.target ?? null),
    };
  }
  return build;
}

/**
 * The compose service NAME means: medic.yaml's entry of that name (its container and project), else a
 * container or compose service of that name. A UsageError when the engine is missing or the name is no
 * compose service's; null when no container and no entry answers to the name (it may be a unit).
 */
export async function composeServiceOf(
  host: Host,
  name: string,
  entry: { container?: string; project?: unknown; health?: Health | null } | null,
): Promise<ComposeService | null> {
  const all = await engineContainers();
  const named = containerNamed(all, entry?.container ?? name);
  const project = (typeof entry?.project === 'string' ? entry.project : null) ?? named?.Labels[PROJECT];
  const service = named?.Labels[SERVICE] ?? (entry ? name : undefined);
  if (!named && !entry) return null;
  if (!project || !service)
    throw new UsageError(
      `${name}: the container ${named ? nameOf(named) : entry?.container} is not a compose service's: medic deploys compose services`,
    );
  const summary = liveContainer(all, project, service);
  const r = summary ? await inspectContainer(summary.Id, 5000) : null;
  if (!summary || !r?.ok)
    throw new UsageError(
      `${project}/${service}: no container runs it; start it first: docker-compose up -d ${service}`,
    );
  const live = r.value;
  const labels = live.Config.Labels ?? {};
  const workdir = labels['com.docker.compose.project.working_dir'] ?? '';
  const files = (labels['com.docker.compose.project.config_files'] ?? 'docker-compose.yml')
    .split(',')
    .map((f) => (isAbsolute(f) ? f : join(workdir, f)));
  const texts = await Promise.all(files.map(async (path) => ({ path, text: (await readText(path)) ?? '' })));
  const image = live.Config.Image;
  if (!image || image.startsWith('sha256:') || image.includes('@'))
    throw new UsageError(
      `${project}/${service} runs ${image || 'an image'} by id or digest: medic deploys a named image`,
    );
  const nginx = await nginxView(host, 5000);
  const site = siteFor(nginx?.sites ?? [], configuredBinds(live), labels, [live.Name]) ?? null;
  // what compose set it to publish: a container being recreated publishes nothing yet
  const [port, bindings] =
    Object.entries(live.HostConfig.PortBindings ?? {}).find(([, list]) =>
      (list ?? []).some((b) => !!b.HostPort),
    ) ?? [];
  const hostPort = bindings?.find((b) => b.HostPort);
  if (!port || !hostPort)
    throw new UsageError(`${project}/${service} publishes no port: Nginx has nothing to switch`);
  const h = hostPort.HostIp;
  const bind = {
    kind: 'tcp' as const,
    host: !h || h === '0.0.0.0' || h === '::' ? '127.0.0.1' : h,
    port: Number(hostPort.HostPort),
  };
  const major = labels[VERSION]?.split('.')[0] ?? '2';
  const plugin = major === '1' ? null : await run('docker', ['compose', 'version'], { timeoutMs: 10_000 });
  const v2 = plugin?.ok && plugin.value.code === 0 ? ['docker', 'compose'] : ['docker-compose'];
  return {
    name,
    project,
    service,
    workdir,
    files,
    compose: major === '1' ? ['docker-compose'] : v2,
    image: imageName(image),
    build: buildOf(texts, service),
    bind,
    port,
    app: `${project}_${service}`,
    site,
    health:
      entry?.health ?? (await findHealth(site, site?.serverNames[0] ?? null, [bind], 3000).catch(() => null)),
    layout: layoutOf(`/var/lib/medic/compose/${project}/${service}`),
  };
}

/** The running container compose made for the service, inspected (null while compose recreates it). */
export async function liveInspect(s: ComposeService): Promise<ContainerInspect | null> {
  const r = await containers(5000);
  const c = r.ok ? liveContainer(r.value, s.project, s.service) : undefined;
  const i = c ? await inspectContainer(c.Id, 5000) : null;
  return i?.ok ? i.value : null;
}

/**
 * `compose up -d --no-deps --no-build SERVICES` in the project, as its user would run it: compose
 * recreates each service whose image changed. null, or what compose printed last when it failed.
 */
export async function composeUp(s: ComposeService, services: string[]): Promise<string | null> {
  const [cmd = 'docker-compose', ...pre] = s.compose;
  const r = await run(
    cmd,
    [
      ...pre,
      '-p',
      s.project,
      ...s.files.flatMap((f) => ['-f', f]),
      'up',
      '-d',
      '--no-deps',
      '--no-build',
      ...services,
    ],
    { timeoutMs: 300_000, cwd: s.workdir },
  );
  if (!r.ok) return `${s.compose.join(' ')}: ${r.error.message}`;
  if (r.value.code === 0) return null;
  const tail = r.value.stderr.trim().split('\n').slice(-3).join(' / ');
  return `${s.compose.join(' ')} up ${services.join(' ')} failed (${r.value.timedOut ? 'timed out' : `exit ${r.value.code}`}): ${tail}`;
}
