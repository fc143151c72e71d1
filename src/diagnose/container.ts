// medic diagnose CONTAINER|SERVICE on a Docker host: the container's state from the Engine API, its logs
// since the last start, the compose project around it, and Nginx's upstream against its published ports;
// then the same collector and the same decision as a systemd unit's, so the causes and the JSON are one.
import type { UpstreamFailure } from '../causes/types.ts';
import { type Bind, formatBind } from '../app/bind.ts';
import { UsageError } from '../errors.ts';
import {
  type ContainerInspect,
  type ContainerSummary,
  containerEvents,
  containerLogs,
  containers,
  inspectContainer,
} from '../host/docker.ts';
import type { Host } from '../host/host.ts';
import { connectTcp } from '../host/net.ts';
import { nginxView } from '../discover/units.ts';
import { type NginxSite, upstreamOf } from '../nginx/sites.ts';
import { LAYERS } from '../causes/types.ts';
import { EvidenceCollector } from './collect.ts';
import { type Diagnosis, decide, type LayerReport } from './decide.ts';

const PROJECT = 'com.docker.compose.project';
const SERVICE = 'com.docker.compose.service';

/** The container a name means: a container's own name, else a compose service's (the project's first). */
export function containerNamed(all: ContainerSummary[], name: string): ContainerSummary | undefined {
  return (
    all.find((c) => c.Names.some((n) => n.replace(/^\//, '') === name)) ??
    all.find((c) => c.Labels[SERVICE] === name) ??
    all.find((c) => c.Id.startsWith(name) && name.length >= 6)
  );
}

/** The containers of a name, or null when no engine answers; a UsageError for an engine that refuses. */
export async function findContainer(
  name: string,
  timeoutMs: number,
): Promise<{ found: ContainerSummary | undefined; all: ContainerSummary[] } | null> {
  const r = await containers(timeoutMs);
  if (!r.ok) {
    if (r.error.kind === 'no_engine') return null;
    throw new UsageError(`the Docker engine: ${r.error.message}`);
  }
  return { found: containerNamed(r.value, name), all: r.value };
}

export async function diagnoseContainer(
  host: Host,
  summary: ContainerSummary,
  all: ContainerSummary[],
  timeoutMs: number,
): Promise<Diagnosis> {
  const name = summary.Names[0]?.replace(/^\//, '') ?? summary.Id.slice(0, 12);
  const [inspected, nginx] = await Promise.all([
    inspectContainer(summary.Id, timeoutMs),
    nginxView(host, timeoutMs),
  ]);
  if (!inspected.ok) throw new UsageError(`docker inspect ${name}: ${inspected.error.message}`);
  const c = inspected.value;
  // A container its own health check passes now: what it logged before that passing check is history.
  const passed =
    c.State.Running && c.State.Health?.Status === 'healthy'
      ? c.State.Health.Log.filter((l) => l.ExitCode === 0).at(-1)
      : undefined;
  const since = passed ? Date.parse(passed.Start) : undefined;
  const [logs, events] = await Promise.all([
    containerLogs(summary.Id, 5000, timeoutMs * 2, undefined, since),
    containerEvents(
      summary.Id,
      Math.max(since ?? 0, Date.parse(c.Created) || 0, host.now().getTime() - 86_400_000),
      host.now().getTime(),
      timeoutMs,
    ),
  ]);
  const s = c.State;
  const year = host.now().getUTCFullYear();
  const origin = `docker logs ${name}`;
  const collector = new EvidenceCollector();
  if (logs.ok) {
    let n = 0;
    for (const raw of logs.value.split('\n')) if (raw) collector.pushLine(raw, ++n, origin, { year });
  }
  // The engine's own words about the container, as `docker inspect` and `docker events` print them.
  let n = 0;
  const engine = (time: string | null, text: string) =>
    collector.push(
      {
        time: time && !time.startsWith('0001') ? time : null,
        source: 'docker',
        unit: name,
        pid: null,
        level: 'error',
        text,
        line: ++n,
      },
      `docker inspect ${name}`,
    );
  if (s.Error) engine(s.FinishedAt, s.Error);
  // Newer engines clear OOMKilled when the restart policy starts the container again; the oom event stays.
  const oom = events.ok ? events.value.filter((e) => e.Action === 'oom').at(-1) : undefined;
  if (s.OOMKilled) engine(s.FinishedAt, `"OOMKilled": true`);
  else if (oom) engine(new Date(oom.time * 1000).toISOString(), `"OOMKilled": true (docker events: oom)`);
  if (!s.Running && s.ExitCode !== 0) engine(s.FinishedAt, `${name} exited with code ${s.ExitCode}`);
  if (s.Health?.Status === 'unhealthy') {
    const last = s.Health.Log?.at(-1);
    engine(last?.Start ?? null, `container health_status: unhealthy ${c.Id.slice(0, 12)} (name=${name})`);
    if (last?.Output.trim()) engine(last.Start, last.Output.trim().split('\n').slice(-3).join(' '));
  }
  collector.finish();
  const evidence = collector.evidence();

  const published = publishedBinds(c);
  const site = siteFor(nginx?.sites ?? [], published, summary);
  const upstream = site
    ? (upstreamOf(site).find((u) => u.location === '/') ?? upstreamOf(site)[0])
    : undefined;
  let upstreamFailure: UpstreamFailure | null = null;
  let upstreamLayer: LayerReport = {
    name: 'upstream',
    status: 'unknown',
    summary: 'no Nginx site proxies to it',
  };
  if (upstream && upstream.target.kind === 'tcp') {
    const t = upstream.target;
    const r = await connectTcp(t.host === 'localhost' ? '127.0.0.1' : t.host, t.port, timeoutMs);
    const isPublished = published.some((b) => b.kind === 'tcp' && b.port === t.port);
    const text = formatBind(t);
    if (r.ok) upstreamLayer = { name: 'upstream', status: 'ok', summary: `${text} accepts connections` };
    else {
      upstreamLayer = {
        name: 'upstream',
        status: 'fail',
        summary: `${text}: ${r.error.kind}${isPublished ? '' : `; ${name} publishes ${published.map(formatBind).join(', ') || 'no port'}`}`,
      };
      const errno = r.error.kind === 'refused' ? 111 : r.error.kind === 'timeout' ? 110 : 0;
      if (errno)
        upstreamFailure = {
          target: t,
          errno,
          reason: r.error.kind,
          event: {
            time: host.now().toISOString(),
            source: 'probe',
            unit: 'medic',
            pid: null,
            level: 'error',
            text: `medic: connect() to ${text} failed (${errno}: ${r.error.kind}) while connecting to upstream`,
            line: 0,
          },
          origin: 'probe',
        };
    }
  }

  const project = c.Config.Labels?.[PROJECT];
  const siblings = project ? all.filter((x) => x.Labels[PROJECT] === project && x.Id !== c.Id) : [];
  const down = siblings.filter((x) => x.State !== 'running' || /unhealthy/.test(x.Status));
  const restarting = s.Restarting || (s.Running && c.RestartCount > 0 && recent(s.StartedAt, host));
  const crashLoop = restarting || (!s.Running && s.ExitCode !== 0);
  const stateText = s.Running
    ? `running${s.Health ? ` (${s.Health.Status})` : ''}`
    : `${s.Status}, exit ${s.ExitCode}${s.OOMKilled ? ', OOMKilled' : ''}`;
  const layers: LayerReport[] = LAYERS.map((layer) => {
    if (layer === 'process')
      return {
        name: layer,
        status: crashLoop || !s.Running ? 'fail' : s.Health?.Status === 'unhealthy' ? 'warn' : 'ok',
        summary: `container ${name}: ${stateText}, ${c.RestartCount} restart${c.RestartCount === 1 ? '' : 's'}`,
      };
    if (layer === 'upstream') return upstreamLayer;
    if (layer === 'workers' && project) {
      const failing = down.filter((x) => /worker|celery/i.test(x.Labels[SERVICE] ?? ''));
      if (failing.length > 0)
        return {
          name: layer,
          status: 'fail',
          summary: failing.map((x) => `${x.Labels[SERVICE]}: ${x.Status}`).join(', '),
        };
    }
    return { name: layer, status: 'unknown', summary: 'not probed for containers' };
  });

  return decide({
    evidence: {
      ...evidence,
      now: host.now().toISOString(),
      inContainer: true,
      unit: {
        ...evidence.unit,
        name,
        active: s.Running ? 'active' : 'failed',
        result: s.OOMKilled ? 'oom-kill' : s.ExitCode !== 0 ? `exit-code ${s.ExitCode}` : null,
        restarts: c.RestartCount,
        exitStatus: s.ExitCode !== 0 ? String(s.ExitCode) : null,
        crashLoop,
      },
      upstreamFailures: [...evidence.upstreamFailures, ...(upstreamFailure ? [upstreamFailure] : [])],
      kernelLogRead: false,
      probes: {
        ...(upstream?.target.kind === 'tcp'
          ? {
              upstream: {
                target: upstream.target,
                result: upstreamLayer.status === 'ok' ? 'ok' : (upstreamFailure?.reason ?? 'other'),
                listeners: published.map((b) => `${formatBind(b)} (docker-proxy for ${name})`),
              },
            }
          : {}),
        ...(project
          ? {
              workers: siblings
                .filter((x) => /worker|celery/i.test(x.Labels[SERVICE] ?? ''))
                .map((x) => ({
                  unit: x.Names[0]?.replace(/^\//, '') ?? x.Id,
                  active: x.State === 'running' ? 'active' : 'inactive',
                })),
            }
          : {}),
      },
      target: {
        unit: name,
        workdir: null,
        venv: null,
        envFile: null,
        user: c.Config.User || null,
        nginxSite: site?.file ?? null,
        serverName: site?.serverNames.find((x) => x && x !== '_') ?? null,
        binds: published,
      },
    },
    timeline: collector.timeline(),
    routes: collector.routes,
    unclaimed: collector.unclaimed,
    probedLayers: layers,
    changes: down.map((x) => ({
      time: host.now().toISOString(),
      what: `compose service ${x.Labels[SERVICE] ?? x.Names[0]}: ${x.Status}`,
    })),
    mode: 'live',
    inputs: [origin, `docker inspect ${name}`],
  });
}

/** What the container publishes on the host: 127.0.0.1:8010 for "8000/tcp" → HostIp 127.0.0.1, HostPort 8010. */
function publishedBinds(c: ContainerInspect): Bind[] {
  return Object.values(c.NetworkSettings.Ports ?? {})
    .flatMap((list) => list ?? [])
    .map((p) => ({ kind: 'tcp' as const, host: p.HostIp || '0.0.0.0', port: Number(p.HostPort) }));
}

/** The site in front of the container: one whose upstream is a published port, else one named after it. */
function siteFor(sites: NginxSite[], published: Bind[], c: ContainerSummary): NginxSite | undefined {
  const names = [c.Labels[PROJECT], c.Labels[SERVICE], ...c.Names.map((n) => n.replace(/^\//, ''))].filter(
    (x): x is string => Boolean(x),
  );
  return (
    sites.find((s) =>
      upstreamOf(s).some((u) => {
        const t = u.target;
        return t.kind === 'tcp' && published.some((b) => b.kind === 'tcp' && b.port === t.port);
      }),
    ) ?? sites.find((s) => names.some((n) => s.file.includes(n) || s.serverNames.some((x) => x.includes(n))))
  );
}

function recent(iso: string, host: Host): boolean {
  return host.now().getTime() - Date.parse(iso) < 60_000;
}
