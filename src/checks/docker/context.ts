// The facts about one container that its checks and its diagnosis share, each read at most once through
// the Engine API: its inspect, the compose project around it, Nginx's site in front of it, an answer from
// each port it publishes, its memory, its recent events.
import { Memo } from '../memo.ts';
import { APP_PROBE, type AppProbe, appProbeOf, type AppProbeRequest } from '../app-probe.ts';
import { type AppServer, appServerOf } from '../../app/server.ts';
import type { Bind } from '../../app/bind.ts';
import { containerFiles } from '../../host/container-files.ts';
import { type Project, projectOf } from '../../discover/project.ts';
import {
  type ArchiveEntry,
  containerArchive,
  execInContainer,
  type ContainerEvent,
  type ContainerInspect,
  type ContainerMemory,
  type ContainerSummary,
  containerEvents,
  containerMemory,
  inspectContainer,
} from '../../host/docker.ts';
import type { Host } from '../../host/host.ts';
import { type ConnectFailure, connectAndHold, connectTcp } from '../../host/net.ts';
import type { ProbeResult } from '../../host/probe.ts';
import { nginxView, type NginxView } from '../../discover/units.ts';
import { type NginxSite, type SiteUpstream, upstreamOf } from '../../nginx/sites.ts';

export const PROJECT = 'com.docker.compose.project';
export const SERVICE = 'com.docker.compose.service';

export function nameOf(c: { Names?: string[]; Name?: string; Id: string }): string {
  return (c.Names?.[0] ?? c.Name ?? '').replace(/^\//, '') || c.Id.slice(0, 12);
}

/** What the container publishes on the host: 127.0.0.1:8030 for "8000/tcp" → HostIp 127.0.0.1, HostPort 8030. */
export function publishedBinds(c: ContainerInspect): Bind[] {
  return Object.values(c.NetworkSettings.Ports ?? {})
    .flatMap((list) => list ?? [])
    .map((p) => ({ kind: 'tcp' as const, host: p.HostIp || '0.0.0.0', port: Number(p.HostPort) }));
}

/** What it is set to publish (`ports:` in compose), whether or not it runs now to hold the ports. */
export function configuredBinds(c: ContainerInspect): Bind[] {
  return Object.values(c.HostConfig.PortBindings ?? {})
    .flatMap((list) => list ?? [])
    .map((p) => ({ kind: 'tcp' as const, host: p.HostIp || '0.0.0.0', port: Number(p.HostPort) }));
}

/** The site in front of the container: one whose upstream is a published port, else one named after it. */
export function siteFor(
  sites: NginxSite[],
  published: Bind[],
  labels: Record<string, string>,
  names: string[],
): NginxSite | undefined {
  const words = [labels[PROJECT], labels[SERVICE], ...names.map((n) => n.replace(/^\//, ''))].filter(
    (x): x is string => Boolean(x),
  );
  return (
    sites.find((s) =>
      upstreamOf(s).some((u) => {
        const t = u.target;
        return t.kind === 'tcp' && published.some((b) => b.kind === 'tcp' && b.port === t.port);
      }),
    ) ?? sites.find((s) => words.some((n) => s.file.includes(n) || s.serverNames.some((x) => x.includes(n))))
  );
}

/** The names a container answers to on one of its networks: its name, its compose service, its aliases. */
export function namesOn(c: ContainerInspect, network: string): string[] {
  const net = c.NetworkSettings.Networks?.[network];
  if (!net) return [];
  const service = c.Config.Labels?.[SERVICE];
  return [nameOf(c), ...(service ? [service] : []), ...(net.Aliases ?? [])];
}

/** The env a container runs with, as name → value. */
export function envOf(c: ContainerInspect): Record<string, string> {
  return Object.fromEntries(
    (c.Config.Env ?? []).map((e) => {
      const eq = e.indexOf('=');
      return eq < 0 ? [e, ''] : [e.slice(0, eq), e.slice(eq + 1)];
    }),
  );
}

/** Who a container runs as: its User (name or uid, with an optional group) resolved in its own /etc/passwd and /etc/group. */
export interface ContainerUser {
  name: string;
  uid: number;
  gids: number[];
}

export function userOf(user: string | undefined, passwd: string, group: string): ContainerUser | null {
  const [who = '', grp] = (user ?? '').split(':');
  if (who === '' || who === 'root' || who === '0') return { name: 'root', uid: 0, gids: [0] };
  const rows = passwd.split('\n').map((l) => l.split(':'));
  const row = rows.find((r) => r[0] === who || (/^\d+$/.test(who) && r[2] === who));
  const uid = row ? Number(row[2]) : /^\d+$/.test(who) ? Number(who) : null;
  if (uid === null) return null;
  const name = row?.[0] ?? who;
  const groups = group.split('\n').map((l) => l.split(':'));
  const gidOf = (g: string) =>
    /^\d+$/.test(g) ? Number(g) : Number(groups.find((r) => r[0] === g)?.[2] ?? NaN);
  const primary = grp !== undefined ? gidOf(grp) : Number(row?.[3] ?? uid);
  const extra = groups.filter((r) => (r[3] ?? '').split(',').includes(name)).map((r) => Number(r[2]));
  return { name, uid, gids: [primary, ...extra].filter((g) => Number.isFinite(g)) };
}

/** Whether `user` may write into a directory with this owner and mode (root may write anywhere). */
export function canWrite(user: ContainerUser, dir: Pick<ArchiveEntry, 'uid' | 'gid' | 'mode'>): boolean {
  if (user.uid === 0) return true;
  if (user.uid === dir.uid) return (dir.mode & 0o200) !== 0;
  if (user.gids.includes(dir.gid)) return (dir.mode & 0o020) !== 0;
  return (dir.mode & 0o002) !== 0;
}

/** Where to connect for a port bound on every address: the loopback of the same family. */
function hostSide(host: string): string {
  return host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
}

/**
 * Who answers to `name` for container `c`, as Docker's DNS would: a running container of its project with that
 * name, service or alias on a network the two share, and its address there; else why the name does not
 * resolve (a stopped container's name resolves for nobody).
 */
export function answering(
  c: ContainerInspect,
  siblings: ContainerInspect[],
  name: string,
): { container: string; service: string | null; address: string } | ServiceReach {
  const networks = Object.keys(c.NetworkSettings.Networks ?? {});
  const shared = (x: ContainerInspect) => networks.filter((n) => namesOn(x, n).includes(name));
  const named = siblings.filter((x) => shared(x).length > 0);
  const running = named.find((x) => x.State.Running);
  if (!running) {
    const stopped = named[0];
    if (!stopped)
      return {
        result: 'not_found_host',
        message: `${name} does not resolve on ${networks.join(', ') || 'its networks'}: no container there answers to it`,
      };
    return {
      result: 'not_found_host',
      message: `${name} is ${nameOf(stopped)}, which is ${stopped.State.Status}${stopped.State.ExitCode ? ` (exit code ${stopped.State.ExitCode})` : ''}: Docker's DNS answers only for a running container`,
      container: nameOf(stopped),
      service: stopped.Config.Labels?.[SERVICE] ?? null,
    };
  }
  const about = { container: nameOf(running), service: running.Config.Labels?.[SERVICE] ?? null };
  const address = shared(running)
    .map((n) => running.NetworkSettings.Networks?.[n]?.IPAddress)
    .find((a): a is string => Boolean(a));
  return address
    ? { ...about, address }
    : { result: 'other', message: `${about.container} has no address on a shared network`, ...about };
}

/** What a client in the container would get from a service its env names. */
export interface ServiceReach {
  /** ok, refused, timeout, not_found_host (the name does not resolve), other. */
  result: string;
  message: string;
  /** The container that answers to the name, when one does (running or not), and its compose service. */
  container?: string;
  service?: string | null;
}

export class ContainerContext {
  readonly host: Host;
  readonly summary: ContainerSummary;
  readonly all: ContainerSummary[];
  readonly timeoutMs: number;
  private memo = new Memo();

  /** `nginx`: Nginx's view when the caller has read it already (one `nginx -T` for every container). */
  constructor(
    host: Host,
    summary: ContainerSummary,
    all: ContainerSummary[],
    timeoutMs: number,
    nginx?: Promise<NginxView | null>,
  ) {
    this.host = host;
    this.summary = summary;
    this.all = all;
    this.timeoutMs = timeoutMs;
    this.sharedNginx = nginx;
  }

  private readonly sharedNginx: Promise<NginxView | null> | undefined;

  get name(): string {
    return nameOf(this.summary);
  }

  private once<T>(key: string, read: () => Promise<T>): Promise<T> {
    return this.memo.once(key, read);
  }

  /** `docker inspect`: a UsageError-free null when the engine no longer knows it. */
  inspect(id = this.summary.Id): Promise<ContainerInspect | null> {
    return this.once(`inspect ${id}`, async () => {
      const r = await inspectContainer(id, this.timeoutMs);
      return r.ok ? r.value : null;
    });
  }

  /** The other containers of its compose project, inspected. */
  siblings(): Promise<ContainerInspect[]> {
    return this.once('siblings', async () => {
      const project = this.summary.Labels[PROJECT];
      if (!project) return [];
      const others = this.all.filter((x) => x.Labels[PROJECT] === project && x.Id !== this.summary.Id);
      const inspected = await Promise.all(others.map((x) => this.inspect(x.Id)));
      return inspected.filter((x): x is ContainerInspect => x !== null);
    });
  }

  nginx(): Promise<NginxView | null> {
    return this.once('nginx', () => this.sharedNginx ?? nginxView(this.host, this.timeoutMs));
  }

  /** Nginx's site in front of the container and its upstream for "/", when a site proxies to it. */
  async upstream(): Promise<{ site: NginxSite; upstream: SiteUpstream | undefined } | null> {
    const [c, nginx] = await Promise.all([this.inspect(), this.nginx()]);
    if (!c || !nginx) return null;
    // Nginx on the host reaches a container only through a port it publishes (or will, once it runs):
    // none, no site. The project's name, which a site is often named after, is its db's and worker's too.
    const published = publishedBinds(c);
    if (Object.keys(c.HostConfig.PortBindings ?? {}).length === 0 && published.length === 0) return null;
    const site = siteFor(nginx.sites, published, this.summary.Labels, this.summary.Names);
    if (!site) return null;
    const all = upstreamOf(site);
    return { site, upstream: all.find((u) => u.location === '/') ?? all[0] };
  }

  /** A TCP connection to a host address (a published port, Nginx's upstream). */
  connect(host: string, port: number): Promise<ProbeResult<unknown, ConnectFailure>> {
    const address = host === 'localhost' ? '127.0.0.1' : hostSide(host);
    return this.once(`connect ${address} ${port}`, () => connectTcp(address, port, this.timeoutMs));
  }

  /** A published port: does what accepts there stay (an app) or hang up at once (a proxy with nothing behind)? */
  published(host: string, port: number): Promise<ProbeResult<{ held: boolean }, ConnectFailure>> {
    const address = hostSide(host);
    return this.once(`hold ${address} ${port}`, () => connectAndHold(address, port, 300, this.timeoutMs));
  }

  memory(): Promise<ContainerMemory | null> {
    return this.once('memory', async () => {
      const r = await containerMemory(this.summary.Id, this.timeoutMs * 2);
      return r.ok ? r.value : null;
    });
  }

  /** Its working directory (its code) as files, read through the archive endpoint, running or not. */
  files(): Promise<Host | null> {
    return this.once('files', async () => {
      const c = await this.inspect();
      const dir = c?.Config.WorkingDir;
      if (!c || !dir || dir === '/') return null;
      const r = await containerArchive(c.Id, dir, {
        timeoutMs: this.timeoutMs * 2,
        maxBytes: 16 * 1024 * 1024,
        fileBytes: 256 * 1024,
      });
      return r.ok ? containerFiles(r.value, dir, this.host) : null;
    });
  }

  /** The project in its working directory, read as medic reads one on the host. */
  project(): Promise<Project | null> {
    return this.once('project', async () => {
      const [c, files] = await Promise.all([this.inspect(), this.files()]);
      if (!c || !files || !c.Config.WorkingDir) return null;
      const project = await projectOf(files, c.Config.WorkingDir, envOf(c));
      // A directory with neither code nor a requirements file is not a Python project.
      return project.envReads.length > 0 || project.requirementFiles.length > 0 ? project : null;
    });
  }

  /** A small file of the container, running or not: /etc/passwd, a symlink's target. */
  private entry(path: string, fileBytes = 0): Promise<ArchiveEntry | null> {
    return this.once(`entry ${path}`, async () => {
      const r = await containerArchive(this.summary.Id, path, {
        timeoutMs: this.timeoutMs,
        // the entry's own header and, for a file asked for, its bytes: never a directory's contents
        maxBytes: 4096 + fileBytes,
        fileBytes,
      });
      return r.ok ? (r.value[0] ?? null) : null;
    });
  }

  /** Who it runs as, from its User and its own /etc/passwd and /etc/group. */
  user(): Promise<ContainerUser | null> {
    return this.once('user', async () => {
      const c = await this.inspect();
      if (!c) return null;
      if (!c.Config.User) return userOf('', '', '');
      const [passwd, group] = await Promise.all([
        this.entry('/etc/passwd', 256 * 1024),
        this.entry('/etc/group', 256 * 1024),
      ]);
      return userOf(c.Config.User, passwd?.body?.toString('utf8') ?? '', group?.body?.toString('utf8') ?? '');
    });
  }

  /** A mounted directory's own owner and mode, as the container sees it. */
  mountDir(destination: string): Promise<ArchiveEntry | null> {
    return this.entry(destination);
  }

  /** The image's Python: PYTHON_VERSION (official images), else asked inside a running container, else python3's link. */
  pythonVersion(): Promise<{ version: string; from: string } | null> {
    return this.once('python', async () => {
      const c = await this.inspect();
      if (!c) return null;
      const pinned = envOf(c)['PYTHON_VERSION'];
      if (pinned && /^\d+\.\d+/.test(pinned)) return { version: pinned, from: 'PYTHON_VERSION in its env' };
      if (c.State.Running) {
        const r = await execInContainer(
          c.Id,
          ['python3', '-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'],
          { timeoutMs: this.timeoutMs * 2 },
        );
        const v = r.ok && r.value.code === 0 ? r.value.stdout.trim() : '';
        if (/^\d+\.\d+\.\d+$/.test(v)) return { version: v, from: 'python3 in the container' };
      }
      for (const path of ['/usr/local/bin/python3', '/usr/bin/python3']) {
        const link = (await this.entry(path))?.linkname;
        const v = link ? /python(\d+\.\d+)$/.exec(link)?.[1] : undefined;
        if (v) return { version: v, from: `${path} → ${link}` };
      }
      return null;
    });
  }

  /**
   * A service its env names (DATABASE_URL's `db`), as the container reaches it: Docker's DNS answers only for a
   * running container on a network the two share; then a TCP connection from the host to that container's
   * address on the port (the bridge networks are the host's). The probe's result in the words of a client's.
   */
  reach(name: string, port: number): Promise<ServiceReach> {
    return this.once(`reach ${name} ${port}`, async () => {
      const [c, siblings] = await Promise.all([this.inspect(), this.siblings()]);
      if (!c) return { result: 'other', message: 'the engine no longer knows the container' };
      const found = answering(c, siblings, name);
      if ('result' in found) return found;
      const about = { container: found.container, service: found.service };
      const r = await connectTcp(found.address, port, this.timeoutMs);
      return r.ok
        ? { result: 'ok', message: `${name} is ${found.container} at ${found.address}:${port}`, ...about }
        : { result: r.error.kind, message: `${name} is ${found.container}: ${r.error.message}`, ...about };
    });
  }

  /** The app server its command starts (uvicorn app.main:app, gunicorn wsgi:app), as medic reads an ExecStart=. */
  async server(): Promise<AppServer | null> {
    const c = await this.inspect();
    if (!c) return null;
    const argv = [...(c.Config.Entrypoint ?? []), ...(c.Config.Cmd ?? [])];
    return appServerOf(argv, { cwd: c.Config.WorkingDir || '/', env: envOf(c) });
  }

  /**
   * The app imported by the container's own Python, as its server imports it: exec'd in the running container,
   * as its user, in its working directory, with its env. null: not running, or no app module in its command.
   */
  appProbe(): Promise<{ module: string; probe: AppProbe } | null> {
    return this.once('app-probe', async () => {
      const [c, server, project] = await Promise.all([this.inspect(), this.server(), this.project()]);
      if (!c?.State.Running || !server?.module) return null;
      const request: AppProbeRequest = {
        module: server.module,
        factory: server.factory === true,
        requirements: [],
        pipCheck: false,
        djangoCheck: false,
        showMigrations: project?.migrations?.tool === 'django',
      };
      // the probe reads its request from argv[1]; the working directory is set from Python, which every
      // Python image has (a shell, not always)
      const cwd = server.chdir ?? (c.Config.WorkingDir || '/');
      const start = 'import os,sys; os.chdir(sys.argv.pop(1)); exec(sys.argv.pop(1))';
      for (const python of [server.python?.interpreter, 'python3', 'python'].filter((x): x is string =>
        Boolean(x),
      )) {
        const r = await execInContainer(
          c.Id,
          [python, '-c', start, cwd, APP_PROBE, JSON.stringify(request)],
          { timeoutMs: Math.max(this.timeoutMs * 2, 20_000) },
        );
        if (!r.ok) return null;
        // 126/127: no such interpreter here, try the next name
        if (r.value.code === 126 || r.value.code === 127) continue;
        return { module: server.module, probe: appProbeOf(r.value) };
      }
      return null;
    });
  }

  /** The engine's events about it over the last day (oom, die, health_status). */
  events(): Promise<ContainerEvent[]> {
    return this.once('events', async () => {
      const now = this.host.now().getTime();
      const r = await containerEvents(this.summary.Id, now - 86_400_000, now, this.timeoutMs);
      return r.ok ? r.value : [];
    });
  }
}
