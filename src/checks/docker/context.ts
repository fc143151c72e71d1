// The facts about one container that its checks and its diagnosis share, each read at most once through
// the Engine API: its inspect, the compose project around it, Nginx's site in front of it, an answer from
// each port it publishes, its memory, its recent events.
import { Memo } from '../memo.ts';
import type { Bind } from '../../app/bind.ts';
import {
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

/** Where to connect for a port bound on every address: the loopback of the same family. */
function hostSide(host: string): string {
  return host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
}

export class ContainerContext {
  readonly host: Host;
  readonly summary: ContainerSummary;
  readonly all: ContainerSummary[];
  readonly timeoutMs: number;
  private memo = new Memo();

  constructor(host: Host, summary: ContainerSummary, all: ContainerSummary[], timeoutMs: number) {
    this.host = host;
    this.summary = summary;
    this.all = all;
    this.timeoutMs = timeoutMs;
  }

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
    return this.once('nginx', () => nginxView(this.host, this.timeoutMs));
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

  /** The engine's events about it over the last day (oom, die, health_status). */
  events(): Promise<ContainerEvent[]> {
    return this.once('events', async () => {
      const now = this.host.now().getTime();
      const r = await containerEvents(this.summary.Id, now - 86_400_000, now, this.timeoutMs);
      return r.ok ? r.value : [];
    });
  }
}
