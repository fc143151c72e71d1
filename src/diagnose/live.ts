// medic diagnose [UNIT] on the server itself: the unit from systemd, its journal, Nginx's view of it, and
// probes along the request path, all in parallel and each with a timeout; then the same decision as offline.
import { type Bind, type Target, type UpstreamFailure } from '../causes/types.ts';
import { CheckContext } from '../checks/context.ts';
import { CHECKS } from '../checks/index.ts';
import { runChecks } from '../checks/run.ts';
import type { Check } from '../checks/types.ts';
import { requireUnit, serviceOf, unitId } from '../discover/service.ts';
import { diagnoseContainer, findContainer } from './container.ts';
import { APP_SERVER, nginxView, type NginxView, serviceUnits, type UnitListing } from '../discover/units.ts';
import { UsageError } from '../errors.ts';
import { type Host, localHost } from '../host/host.ts';
import { parseLine } from '../logs/envelope.ts';
import { linesOf } from '../logs/lines.ts';
import { type NginxSite, upstreamOf } from '../nginx/sites.ts';
import type { Masker } from '../report/mask.ts';
import { showValue } from '../systemd/show.ts';
import { type DeployRecord, deployMarker } from '../store/store.ts';
import { Readable } from 'node:stream';
import { CHANGES_WINDOW_MS, changesOf } from './changes.ts';
import { EvidenceCollector } from './collect.ts';
import { type Diagnosis, decide } from './decide.ts';
import { pushKernelOoms, readKernelLog } from './kernel.ts';
import { layersOf } from './layers.ts';
import { probesOf } from './probes.ts';

export interface LiveOptions {
  since: string | null;
  masker: Masker;
  host?: Host;
  /** Per probe. */
  timeoutMs?: number;
  /** medic deploy's records of a service (finished since an ISO time), for the timeline's markers. */
  deploys?: (service: string, since: string) => DeployRecord[];
}

// A diagnosis answers in about a second: the checks that ask the app's own Python are medic check's.
function isLive(c: Check): boolean {
  return c.meta.runsAppPython !== true;
}

export async function diagnoseLive(unit: string | null, opts: LiveOptions): Promise<Diagnosis[]> {
  const host = opts.host ?? localHost();
  const timeoutMs = opts.timeoutMs ?? 1500;
  // systemd's units and Nginx's sites at once: neither needs the other.
  const [all, nginx] = await Promise.all([serviceUnits(host, timeoutMs), nginxView(host, timeoutMs)]);
  // A name systemd does not know may be a container's or a compose service's (a Docker host).
  if (unit && !all?.some((u) => u.id === unitId(unit))) {
    const docker = await findContainer(unit, timeoutMs);
    if (docker?.found)
      return [
        await diagnoseContainer(
          host,
          docker.found,
          docker.all,
          timeoutMs,
          Promise.resolve(nginx),
          opts.since,
        ),
      ];
  }
  if (all === null) {
    throw new UsageError(
      'cannot ask systemd about units here (no systemctl, or no systemd running): use --log FILE to diagnose logs',
    );
  }
  const apps = all.filter((u) => APP_SERVER.test(u.exec));
  let units: string[];
  if (unit) {
    units = [await requireUnit(host, all, unit, timeoutMs)];
  } else {
    units = apps.map((a) => a.id);
    if (units.length === 0)
      throw new UsageError(
        'found no app unit (Gunicorn, Uvicorn, Daphne, Hypercorn, Waitress) on this host: name one, e.g. medic diagnose myapp',
      );
  }
  return Promise.all(units.map((u) => diagnoseUnit(host, u, all, nginx, opts, timeoutMs)));
}

async function diagnoseUnit(
  host: Host,
  unit: string,
  all: UnitListing[],
  nginx: NginxView | null,
  opts: LiveOptions,
  timeoutMs: number,
): Promise<Diagnosis> {
  const collector = new EvidenceCollector();
  const journalArgs = [
    '-u',
    unit,
    '-o',
    'json',
    '--no-pager',
    '-n',
    '5000',
    opts.since ? `--since=${opts.since}` : '-b',
  ];
  // The journals need only the unit's name: they are read while the deployment is discovered.
  const journalRead = host.run('journalctl', journalArgs, {
    timeoutMs: timeoutMs * 2,
    maxBytes: 64 * 1024 * 1024,
  });
  const kernelRead = readKernelLog(host, timeoutMs);
  const service = await serviceOf(host, unit, all, nginx, { timeoutMs, masker: opts.masker });
  const { show, envFiles, exec, workdir, server, binds, site, serverName } = service;
  const target: Target = {
    unit,
    workdir,
    venv: service.venv,
    envFile: envFiles[0]?.path ?? null,
    user: showValue(show, 'User') || null,
    nginxSite: site?.file ?? null,
    serverName,
    binds,
  };
  // The same facts, gathered once, that `medic check` judges: the layers are the checks' verdicts.
  const ctx = new CheckContext(host, service, { timeoutMs });

  const probeStarted = host.now();
  const [journal, kernel, results, facts, changes] = await Promise.all([
    journalRead,
    kernelRead,
    runChecks(CHECKS.filter(isLive), ctx),
    probesOf(ctx),
    changesOf(host, {
      show,
      envFiles: envFiles.map((f) => f.path),
      site: site?.file ?? null,
      workdir,
      venv: service.venv,
    }).then((c) =>
      [
        ...c,
        ...(
          opts.deploys?.(
            unit.replace(/\.service$/, ''),
            new Date(host.now().getTime() - CHANGES_WINDOW_MS).toISOString(),
          ) ?? []
        ).map((d) => ({ time: d.finishedAt, what: deployMarker(d) })),
      ].sort((a, b) => (a.time < b.time ? -1 : 1)),
    ),
  ]);
  const year = host.now().getUTCFullYear();
  if (journal.ok) {
    let n = 0;
    for await (const raw of linesOf(Readable.from([journal.value.stdout])))
      collector.pushLine(raw, ++n, 'journal', { year });
  }
  const firstTime = collector.firstTime;
  // The kernel's OOM kills of a process like this app's, at the moment the unit's process died by SIGKILL.
  pushKernelOoms(collector, kernel, { id: unit, comm: exec ? (exec.path.split('/').pop() ?? '') : '', year });
  // Nginx's error log for this site, from the start of this window (fresh lines include medic's own probes).
  const since = firstTime ?? new Date(probeStarted.getTime() - 3600_000).toISOString();
  for (const path of nginx?.errorLogs ?? []) {
    const text = await host.readTail(path, 512 * 1024);
    let n = 0;
    for (const raw of text.split('\n')) {
      n += 1;
      const e = parseLine(raw, n, { year });
      if (!e || (e.time && e.time < since.slice(0, 19))) continue;
      if (mentionsSite(e.text, serverName, binds, site) || /\[emerg\]/.test(raw)) collector.push(e, path);
    }
  }
  collector.finish();
  const evidence = collector.evidence();
  const failures: UpstreamFailure[] = [...evidence.upstreamFailures];
  if (facts.upstreamFailure) failures.push(facts.upstreamFailure);
  // systemd's own state is the truth about the process; the journal fills in what it does not say.
  const active = showValue(show, 'ActiveState') ?? null;
  const sub = showValue(show, 'SubState') ?? '';
  const unitState = {
    ...evidence.unit,
    name: unit,
    active,
    result: showValue(show, 'Result') ?? null,
    restarts: Number(showValue(show, 'NRestarts') ?? 0),
    crashLoop:
      active === 'failed' || sub === 'auto-restart' || (active === 'activating' && evidence.unit.crashLoop),
  };
  return decide({
    evidence: {
      ...evidence,
      now: host.now().toISOString(),
      unit: unitState,
      upstreamFailures: failures,
      kernelLogRead: kernel.ok,
      probes: facts.probes,
      target,
      workerClass: evidence.workerClass ?? server?.workerClass ?? null,
    },
    timeline: collector.timeline(),
    routes: collector.routes,
    unclaimed: collector.unclaimed,
    probedLayers: layersOf(results),
    changes,
    mode: 'live',
    inputs: [`journal of ${unit}`, ...(nginx?.errorLogs ?? [])],
  });
}

function mentionsSite(
  text: string,
  serverName: string | null,
  binds: Bind[],
  site: NginxSite | null,
): boolean {
  if (serverName && text.includes(`"${serverName}"`)) return true;
  if (
    site &&
    upstreamOf(site).some((u) =>
      text.includes(u.target.kind === 'unix' ? u.target.path : `${u.target.host}:${u.target.port}`),
    )
  )
    return true;
  return binds.some((b) => text.includes(b.kind === 'unix' ? b.path : `:${b.port}`));
}
