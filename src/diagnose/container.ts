// medic diagnose CONTAINER|SERVICE on a Docker host: the container's state from the Engine API, its logs
// since the last start, the compose project around it, and Nginx's upstream against its published ports;
// then the same collector and the same decision as a systemd unit's, so the causes and the JSON are one.
import type { UpstreamFailure } from '../causes/types.ts';
import { upstreamFailureOf } from '../causes/upstream.ts';
import { formatBind } from '../app/bind.ts';
import { UsageError } from '../errors.ts';
import { type ContainerSummary, containerLogs, containers } from '../host/docker.ts';
import type { Host } from '../host/host.ts';
import { ContainerContext, nameOf, PROJECT, publishedBinds, SERVICE } from '../checks/docker/context.ts';
import { DOCKER_CHECKS } from '../checks/docker/index.ts';
import { serviceUrlOf } from '../checks/docker/service-url.ts';
import { runChecks } from '../checks/run.ts';
import type { CheckResult } from '../checks/types.ts';
import { EvidenceCollector } from './collect.ts';
import { type Diagnosis, decide, type LayerReport } from './decide.ts';
import { layersOf } from './layers.ts';
import { pushKernelOoms, readKernelLog } from './kernel.ts';
import type { NginxView } from '../discover/units.ts';

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

/**
 * The moment `--since` names (journalctl's "@SECONDS", as medic watch passes it, or a date), in ms; null for a
 * form only journalctl reads ("-5min", "yesterday").
 */
export function sinceMs(since: string | null | undefined): number | null {
  if (!since) return null;
  const at = /^@(\d{1,12}(?:\.\d+)?)$/.exec(since.trim());
  if (at) return Number(at[1]) * 1000;
  const t = Date.parse(since);
  return Number.isFinite(t) ? t : null;
}

/**
 * How far before the moment asked about (`--since`, the watch's failure) the logs are read: a traceback is
 * printed in the second before the exit the engine reports, the start-up of an hour ago is history.
 */
const BEFORE_SINCE_MS = 10_000;

export async function diagnoseContainer(
  host: Host,
  summary: ContainerSummary,
  all: ContainerSummary[],
  timeoutMs: number,
  nginx?: Promise<NginxView | null>,
  asked: string | null = null,
): Promise<Diagnosis> {
  // One fact layer: the same context and checks as `medic check CONTAINER`; the layers are their verdicts.
  const ctx = new ContainerContext(host, summary, all, timeoutMs, nginx);
  const name = ctx.name;
  const [c, results, front, events, kernel] = await Promise.all([
    ctx.inspect(),
    runChecks(DOCKER_CHECKS, ctx),
    ctx.upstream(),
    ctx.events(),
    // the host's kernel log: an OOM kill of the container's process the engine did not count as its own
    readKernelLog(host, timeoutMs),
  ]);
  if (!c) throw new UsageError(`docker inspect ${name}: the engine no longer knows it`);
  // Healthy from inside but not reached from outside (a server on the container's own loopback): its health
  // check proves nothing about what clients get, and this start's own lines (where it listens) are the evidence.
  const unreached = results.some(
    (r) =>
      r.status === 'fail' && (r.id === 'docker.published_reachable' || r.id === 'docker.upstream_published'),
  );
  // A container its own health check passes now: what it logged before that passing check is history.
  const passed =
    c.State.Running && c.State.Health?.Status === 'healthy' && !unreached
      ? c.State.Health.Log.filter((l) => l.ExitCode === 0).at(-1)
      : undefined;
  // Else the last time the engine reported it healthy: a crash loop that began after a healthy run
  // (a volume made unwritable, a dependency gone) is read from there, not from the healthy run's start.
  const healthyAt = unreached
    ? Date.parse(c.State.StartedAt) || 0
    : (events.filter((e) => e.Action === 'health_status: healthy').at(-1)?.time ?? 0) * 1000;
  const created = Date.parse(c.Created) || 0;
  // Asked about a moment (the watch's failure): from just before it. The engine keeps only its last 256 events
  // of every container, so a healthy run long ago may have left no event to start from.
  const from = sinceMs(asked);
  const since =
    from === null
      ? Math.max(passed ? Date.parse(passed.Start) : 0, healthyAt, created)
      : Math.max(from - BEFORE_SINCE_MS, created);
  const logs = await containerLogs(
    summary.Id,
    5000,
    timeoutMs * 2,
    undefined,
    since > created ? since : undefined,
  );
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
  const oom = events.filter((e) => e.Action === 'oom' && e.time * 1000 >= since).at(-1);
  if (s.OOMKilled) engine(s.FinishedAt, `"OOMKilled": true`);
  else if (oom) engine(new Date(oom.time * 1000).toISOString(), `"OOMKilled": true (docker events: oom)`);
  // Each exit in the window as compose prints it: the restart policy may have started it again since.
  const exits = events.filter(
    (e) => e.Action === 'die' && e.time * 1000 >= since && (e.Actor.Attributes['exitCode'] ?? '0') !== '0',
  );
  for (const e of exits)
    engine(
      new Date(e.time * 1000).toISOString(),
      `${name} exited with code ${e.Actor.Attributes['exitCode']}`,
    );
  if (!s.Running && s.ExitCode !== 0 && exits.length === 0)
    engine(s.FinishedAt, `${name} exited with code ${s.ExitCode}`);
  if (s.Health?.Status === 'unhealthy') {
    const last = s.Health.Log?.at(-1);
    engine(last?.Start ?? null, `container health_status: unhealthy ${c.Id.slice(0, 12)} (name=${name})`);
    if (last?.Output.trim()) engine(last.Start, last.Output.trim().split('\n').slice(-3).join(' '));
  }
  // The kernel's OOM kills of the container's processes (its cgroup, or its command) when it died by SIGKILL.
  pushKernelOoms(collector, kernel, { id: c.Id, comm: (c.Path ?? '').split('/').pop() ?? '', year });
  collector.finish();
  const evidence = collector.evidence();

  const published = publishedBinds(c);
  const site = front?.site;
  const upstream = front?.upstream;
  // Nginx's upstream, tried from the host: a refusal is the same evidence a line of Nginx's error log is.
  let upstreamFailure: UpstreamFailure | null = null;
  let reached: 'ok' | string = 'ok';
  if (upstream && upstream.target.kind === 'tcp') {
    const t = upstream.target;
    const r = await ctx.connect(t.host, t.port);
    if (!r.ok) {
      reached = r.error.kind;
      upstreamFailure = upstreamFailureOf(t, r.error.kind, host.now());
    }
  }

  // The database and Redis its env points at, reached as the container would reach them.
  const [database, cache] = await Promise.all(
    (['database', 'cache'] as const).map(async (kind) => {
      const to = serviceUrlOf(c.Config.Env ?? [], kind);
      if (!to) return undefined;
      const r = await ctx.reach(to.name, to.port);
      return { url: to.url, ...r };
    }),
  );
  const project = c.Config.Labels?.[PROJECT];
  const siblings = project ? all.filter((x) => x.Labels[PROJECT] === project && x.Id !== c.Id) : [];
  const down = siblings.filter((x) => x.State !== 'running' || /unhealthy/.test(x.Status));
  const restarting = s.Restarting || (s.Running && c.RestartCount > 0 && recent(s.StartedAt, host));
  const crashLoop = restarting || (!s.Running && s.ExitCode !== 0);
  const layers: LayerReport[] = layersOf(results).map((l) => {
    if (l.name === 'workers' && project) {
      const failing = down.filter(isWorker);
      if (failing.length > 0)
        return {
          name: l.name,
          status: 'fail',
          summary: failing.map((x) => `${x.Labels[SERVICE]}: ${x.Status}`).join(', '),
        };
    }
    return l;
  });

  const diagnosis = decide({
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
      kernelLogRead: kernel.ok,
      probes: {
        ...(upstream?.target.kind === 'tcp'
          ? {
              upstream: {
                target: upstream.target,
                result: reached,
                listeners: published.map((b) => `${formatBind(b)} (docker-proxy for ${name})`),
              },
            }
          : {}),
        ...(database ? { database } : {}),
        ...(cache ? { cache } : {}),
        ...(project
          ? {
              workers: siblings.filter(isWorker).map((x) => ({
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
        container: {
          name,
          service: c.Config.Labels?.[SERVICE] ?? null,
          workdir: c.Config.WorkingDir || null,
        },
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
  if (!diagnosis.cause) return diagnosis;
  // the container that is down behind the cause: the database's, Redis', the worker (a sibling, or this one)
  const downWorker = isWorker(summary) && !s.Running ? summary : down.find(isWorker);
  const behind =
    diagnosis.cause.id === 'db_unreachable'
      ? database
      : diagnosis.cause.id === 'redis_unreachable'
        ? cache
        : diagnosis.cause.id === 'worker_down' && downWorker
          ? { container: nameOf(downWorker), service: downWorker.Labels[SERVICE] ?? null }
          : undefined;
  const fix = containerFix(diagnosis.cause, results, name, c.Config.Labels?.[SERVICE] ?? null, behind);
  return { ...diagnosis, cause: { ...diagnosis.cause, fix } };
}

/** A compose service that runs the background worker (Celery, RQ), by its name. */
function isWorker(x: ContainerSummary): boolean {
  return /worker|celery/i.test(x.Labels[SERVICE] ?? '');
}

function recent(iso: string, host: Host): boolean {
  return host.now().getTime() - Date.parse(iso) < 60_000;
}

/** The docker. check that judges the same thing a cause names: its fix is the container's, not a unit's. */
const CHECK_OF_CAUSE: Record<string, string> = {
  file_permission: 'docker.volumes_writable',
  missing_env_var: 'docker.env_required',
  python_version_mismatch: 'docker.python_version',
  health_check_failing: 'docker.healthcheck',
  oom_killed: 'docker.memory_headroom',
  port_in_use: 'docker.running',
  upstream_mismatch: 'docker.upstream_published',
  wrong_bind_address: 'docker.published_reachable',
  dns_misconfigured: 'docker.names_resolve',
  // a name no container answers to: the check says which network or name is wrong
  db_unreachable: 'docker.names_resolve',
  redis_unreachable: 'docker.names_resolve',
};

/**
 * The fix for a container: the failing check's own commands when one judges the cause; else the cause's,
 * with a unit's restart made the container's (compose recreates a service from its file).
 */
export function containerFix(
  cause: { id: string; fix: string[] },
  results: Pick<CheckResult, 'id' | 'status' | 'fix'>[],
  name: string,
  service: string | null,
  /** The database or Redis the cause is about, when a container of the project answers to its name. */
  behind?: { container?: string; service?: string | null },
): string[] {
  const id = CHECK_OF_CAUSE[cause.id];
  const check = id ? results.find((r) => r.id === id && r.status === 'fail' && r.fix.length > 0) : undefined;
  if (check) return check.fix;
  const restart = service ? `docker compose up -d ${service}` : `docker restart ${name}`;
  if (behind?.container) {
    // what is down is a container of its own: read why it stopped, start it, then the app if it is another
    const it = behind.service ?? behind.container;
    const again = behind.container !== name;
    return behind.service
      ? [
          `docker compose ps -a ${it}`,
          `docker compose logs --tail 50 ${it}   # why it stopped`,
          `docker compose up -d ${it}`,
          ...(service && again ? [`docker compose up -d ${service}`] : []),
        ]
      : [`docker ps -a --filter name=${it}`, `docker logs --tail 50 ${it}`, `docker start ${it}`, restart];
  }
  return cause.fix.map((f) =>
    f.replace(/^systemctl restart \S+/, restart).replace(/^journalctl -u \S+/, `docker logs ${name}`),
  );
}
