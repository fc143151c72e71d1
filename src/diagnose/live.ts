// medic diagnose [UNIT] on the server itself: the unit from systemd, its journal, Nginx's view of it, and
// probes along the request path, all in parallel and each with a timeout; then the same decision as offline.
import { open } from 'node:fs/promises';
import { type Bind, LAYERS, type Probes, type Target, type UpstreamFailure } from '../causes/types.ts';
import { formatBind } from '../app/bind.ts';
import { UsageError } from '../errors.ts';
import { diskUsage, memory } from '../host/disk.ts';
import { isLocalAddress, resolveName } from '../host/dns.ts';
import type { Host } from '../host/host.ts';
import { localHost } from '../host/host.ts';
import { httpGet } from '../host/http.ts';
import { listenerOnPath, listenersOn } from '../host/listeners.ts';
import { connectTcp, connectUnix } from '../host/net.ts';
import { probePostgres } from '../host/postgres.ts';
import { probeRedis } from '../host/redis.ts';
import { peerCertificate, trustedCAs } from '../host/tls.ts';
import { linesOf } from '../logs/lines.ts';
import { parseLine } from '../logs/envelope.ts';
import { nginxConfigTest } from '../nginx/config-test.ts';
import { type NginxSite, upstreamOf } from '../nginx/sites.ts';
import { requireUnit, siteEntry, unitView } from '../discover/service.ts';
import {
  APP_SERVER,
  nginxView,
  type NginxView,
  serviceUnits,
  type UnitListing,
  WORKER,
  workersOf,
} from '../discover/units.ts';
import { showValue, type ShowProperties } from '../systemd/show.ts';
import type { Masker } from '../report/mask.ts';
import { Readable } from 'node:stream';
import { EvidenceCollector } from './collect.ts';
import { type Diagnosis, decide, type LayerReport, type LayerStatus } from './decide.ts';
import { CHANGES_WINDOW_MS, changesOf } from './changes.ts';
import { type DeployRecord, deployMarker } from '../store/store.ts';
import { isKernelOomOf, OOM_PAIRING_MS } from '../causes/oom_killed.ts';
import { DB_URL_NAMES, REDIS_URL_NAMES, satisfies } from '../discover/project.ts';

export interface LiveOptions {
  since: string | null;
  masker: Masker;
  host?: Host;
  /** Per probe. */
  timeoutMs?: number;
  /** medic deploy's records of a service (finished since an ISO time), for the timeline's markers. */
  deploys?: (service: string, since: string) => DeployRecord[];
}

export async function diagnoseLive(unit: string | null, opts: LiveOptions): Promise<Diagnosis[]> {
  const host = opts.host ?? localHost();
  const timeoutMs = opts.timeoutMs ?? 1500;
  const all = await serviceUnits(host, timeoutMs);
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
  const nginx = await nginxView(host, timeoutMs);
  const workers = all.filter((u) => WORKER.test(u.exec));
  return Promise.all(units.map((u) => diagnoseUnit(host, u, nginx, workers, opts, timeoutMs)));
}

async function diagnoseUnit(
  host: Host,
  unit: string,
  nginx: NginxView | null,
  workerUnits: UnitListing[],
  opts: LiveOptions,
  timeoutMs: number,
): Promise<Diagnosis> {
  const { show, envFiles, env, exec, workdir, server, binds, site, serverName } = await unitView(
    host,
    unit,
    nginx,
    {
      timeoutMs,
      masker: opts.masker,
    },
  );
  const target: Target = {
    unit,
    workdir,
    venv: server?.python?.venv ?? null,
    envFile: envFiles[0]?.path ?? null,
    user: showValue(show, 'User') || null,
    nginxSite: site?.file ?? null,
    serverName,
    binds,
  };

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
  const probeStarted = host.now();
  const [journal, kernel, probes, changes] = await Promise.all([
    host.run('journalctl', journalArgs, { timeoutMs: timeoutMs * 2, maxBytes: 64 * 1024 * 1024 }),
    host.run('journalctl', ['-k', '-b', '-o', 'json', '--no-pager', '-n', '400'], { timeoutMs }),
    probeAll(host, {
      host,
      site,
      serverName,
      binds,
      env,
      show,
      workdir,
      server: server?.python?.venv ?? null,
      nginx,
      workerUnits,
      unit,
      timeoutMs,
    }),
    changesOf(host, {
      show,
      envFiles: envFiles.map((f) => f.path),
      site: site?.file ?? null,
      workdir,
      venv: server?.python?.venv ?? null,
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
  const killedAt = collector.evidence().killedAt.map((t) => Date.parse(t));
  // The kernel's OOM kills of a process like this app's, at the moment the unit's process died by SIGKILL.
  const comm = exec ? (exec.path.split('/').pop() ?? '') : '';
  if (kernel.ok && killedAt.length > 0) {
    let n = 0;
    for (const raw of kernel.value.stdout.split('\n')) {
      n += 1;
      const e = parseLine(raw, n, { year });
      if (!e?.time || !isKernelOomOf(e.text, unit, comm)) continue;
      const t = Date.parse(e.time);
      if (killedAt.some((k) => Math.abs(k - t) <= OOM_PAIRING_MS)) collector.push(e, 'kernel');
    }
  }
  // Nginx's error log for this site, from the start of this window (fresh lines include medic's own probes).
  const since = firstTime ?? new Date(probeStarted.getTime() - 3600_000).toISOString();
  for (const path of nginx?.errorLogs ?? []) {
    const text = await readTail(host, path, 512 * 1024);
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
  if (probes.upstreamFailure) failures.push(probes.upstreamFailure);
  const layers = layersOf(probes, show, unit);
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
      probes: probes.probes,
      target,
      workerClass: evidence.workerClass ?? server?.workerClass ?? null,
    },
    timeline: collector.timeline(),
    routes: collector.routes,
    unclaimed: collector.unclaimed,
    probedLayers: layers,
    changes,
    mode: 'live',
    inputs: [`journal of ${unit}`, ...(nginx?.errorLogs ?? [])],
  });
}

async function readTail(host: Host, path: string, bytes: number): Promise<string> {
  let file;
  try {
    file = await open(host.path(path), 'r');
    const { size } = await file.stat();
    const start = Math.max(0, size - bytes);
    const buffer = Buffer.alloc(size - start);
    await file.read(buffer, 0, buffer.length, start);
    const text = buffer.toString('utf8');
    return start > 0 ? text.slice(text.indexOf('\n') + 1) : text;
  } catch {
    return '';
  } finally {
    await file?.close();
  }
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

interface ProbeInput {
  host: Host;
  site: NginxSite | null;
  serverName: string | null;
  binds: Bind[];
  env: Record<string, string>;
  show: ShowProperties;
  workdir: string | null;
  server: string | null;
  nginx: NginxView | null;
  workerUnits: UnitListing[];
  unit: string;
  timeoutMs: number;
}

interface ProbeOutcome {
  probes: Probes;
  upstreamFailure: UpstreamFailure | null;
  notes: Partial<Record<LayerReport['name'], { status: LayerStatus; summary: string }>>;
}

async function probeAll(host: Host, input: ProbeInput): Promise<ProbeOutcome> {
  const { site, serverName, timeoutMs } = input;
  const probes: Probes = {};
  const notes: ProbeOutcome['notes'] = {};
  let upstreamFailure: UpstreamFailure | null = null;
  const tlsListen = site?.listen.find((l) => l.ssl);
  const upstream = site
    ? (upstreamOf(site).find((u) => u.location === '/') ?? upstreamOf(site)[0])
    : undefined;
  const staticLoc = site?.locations.find(
    (l) => /^\/(?:static|assets)\/?$/.test(l.path) && (l.alias || l.root),
  );
  const dbUrl = DB_URL_NAMES.map((n) => input.env[n]).find((v) => v && /^postgres/.test(v));
  const redisUrl = REDIS_URL_NAMES.map((n) => input.env[n]).find((v) => v && /^rediss?:/.test(v));
  const workers = workersOf(input.workerUnits, input.unit);
  const { scheme, port } = siteEntry(site);
  const ca = trustedCAs();

  const tasks: Promise<void>[] = [];
  if (serverName) {
    tasks.push(
      resolveName(serverName, timeoutMs).then((r) => {
        if (r.ok) {
          const local = r.value.addresses.some((a) => isLocalAddress(a));
          probes.dns = { name: serverName, addresses: r.value.addresses, local };
          notes.dns = local
            ? { status: 'ok', summary: `${serverName} → ${r.value.addresses.join(', ')} (this server)` }
            : { status: 'fail', summary: `${serverName} → ${r.value.addresses.join(', ')}, not this server` };
        } else {
          probes.dns = { name: serverName, addresses: [], local: false, error: r.error.message };
          notes.dns = { status: 'fail', summary: `${serverName} does not resolve (${r.error.kind})` };
        }
      }),
    );
  }
  if (serverName && tlsListen) {
    tasks.push(
      peerCertificate('127.0.0.1', tlsListen.port ?? 443, serverName, timeoutMs, ca ? { ca } : {}).then(
        (r) => {
          if (r.ok) {
            const c = r.value;
            const bad = c.daysLeft < 0 || !c.authorized;
            probes.tls = {
              name: serverName,
              daysLeft: c.daysLeft,
              validTo: c.validTo,
              ...(bad
                ? { error: c.authorizationError ?? (c.daysLeft < 0 ? 'CERT_HAS_EXPIRED' : 'not trusted') }
                : {}),
            };
            notes.tls = bad
              ? {
                  status: 'fail',
                  summary: `certificate for ${serverName}: ${c.authorizationError ?? 'invalid'} (valid to ${c.validTo})`,
                }
              : {
                  status: c.daysLeft < 14 ? 'warn' : 'ok',
                  summary: `certificate valid to ${c.validTo.slice(0, 10)} (${c.daysLeft} days)`,
                };
          } else {
            probes.tls = { name: serverName, error: r.error.message };
            notes.tls = { status: 'fail', summary: `TLS on ${tlsListen.port}: ${r.error.kind}` };
          }
        },
      ),
    );
  } else notes.tls = { status: 'skip', summary: 'the site has no TLS listener' };
  notes.firewall = { status: 'skip', summary: 'not probed from inside the server' };
  tasks.push(
    nginxConfigTest(host, timeoutMs).then((r) => {
      if (!r) {
        notes.proxy = { status: 'skip', summary: 'nginx is not installed here' };
        return;
      }
      if ('unreadable' in r) {
        notes.proxy = { status: 'skip', summary: r.unreadable };
        return;
      }
      const output = r.output;
      probes.nginxTest = r;
      notes.proxy = r.ok
        ? {
            status: 'ok',
            summary: site ? `nginx -t ok; site ${site.file}` : 'nginx -t ok; no site points at this app',
          }
        : { status: 'fail', summary: output.split('\n').find((l) => /emerg/.test(l)) ?? 'nginx -t failed' };
    }),
  );
  if (upstream) {
    tasks.push(probeUpstream(input, upstream.target, probes, notes).then((f) => void (upstreamFailure = f)));
  } else if (input.binds[0]) {
    tasks.push(probeUpstream(input, input.binds[0], probes, notes).then((f) => void (upstreamFailure = f)));
  }
  if (serverName) {
    tasks.push(
      (async () => {
        for (const path of ['/health', '/healthz', '/up', '/']) {
          const url = `${scheme}://${serverName}${path}`;
          const r = await httpGet(url, {
            timeoutMs,
            connectTo: { host: '127.0.0.1', port },
            rejectUnauthorized: false,
            maxBody: 512,
          });
          if (r.ok && r.value.status === 404 && path !== '/') continue;
          probes.health = r.ok
            ? { url, status: r.value.status, body: r.value.body }
            : { url, error: `${r.error.kind}: ${r.error.message}` };
          const good = r.ok && r.value.status < 400;
          notes.app = {
            status: good ? 'ok' : 'fail',
            summary: `${url} → ${r.ok ? `HTTP ${r.value.status} in ${r.value.ms} ms` : r.error.kind}`,
          };
          return;
        }
      })(),
    );
  }
  if (staticLoc && serverName) {
    tasks.push(
      (async () => {
        const dir = staticLoc.alias ?? `${staticLoc.root}${staticLoc.path}`;
        const entries = await host.readdir(dir);
        const file = entries?.find((e) => /\.\w+$/.test(e));
        const url = `${scheme}://${serverName}${staticLoc.path.replace(/\/?$/, '/')}${file ?? ''}`;
        if (!entries) {
          probes.static = { url, path: dir, exists: false, status: 404 };
          return;
        }
        if (!file) return;
        const r = await httpGet(url, {
          timeoutMs,
          connectTo: { host: '127.0.0.1', port },
          rejectUnauthorized: false,
          maxBody: 64,
        });
        probes.static = { url, path: dir, exists: true, ...(r.ok ? { status: r.value.status } : {}) };
      })(),
    );
  }
  if (dbUrl) {
    tasks.push(
      probePostgres(dbUrl, timeoutMs).then((r) => {
        probes.database = {
          url: dbUrl,
          result: r.ok ? 'ok' : r.error.kind,
          ...(r.ok ? {} : { message: r.error.message }),
        };
        notes.database = r.ok
          ? { status: 'ok', summary: `PostgreSQL ${r.value.serverVersion} answers (${r.ms} ms)` }
          : { status: 'fail', summary: `PostgreSQL: ${r.error.kind}: ${r.error.message.split('\n')[0]}` };
      }),
    );
  } else notes.database = { status: 'skip', summary: 'no PostgreSQL URL in the unit environment' };
  if (redisUrl) {
    tasks.push(
      probeRedis(redisUrl, timeoutMs).then((r) => {
        probes.cache = {
          url: redisUrl,
          result: r.ok ? 'ok' : r.error.kind,
          ...(r.ok ? {} : { message: r.error.message }),
        };
        notes.cache = r.ok
          ? { status: 'ok', summary: `Redis answers PING (${r.ms} ms)` }
          : { status: 'fail', summary: `Redis: ${r.error.kind}: ${r.error.message.split('\n')[0]}` };
      }),
    );
  } else notes.cache = { status: 'skip', summary: 'no Redis URL in the unit environment' };
  if (workers.length > 0) {
    probes.workers = workers.map((w) => ({ unit: w.id, active: w.active }));
    const down = workers.filter((w) => w.active !== 'active');
    notes.workers =
      down.length > 0
        ? { status: 'fail', summary: down.map((w) => `${w.id} is ${w.active}`).join(', ') }
        : { status: 'ok', summary: workers.map((w) => `${w.id} active`).join(', ') };
  } else notes.workers = { status: 'skip', summary: 'no worker unit for this app' };
  tasks.push(
    (async () => {
      const paths = [
        ...new Set(['/', input.workdir ?? '/', '/var/lib/postgresql', ...writableDirs(input.env)]),
      ];
      const usage = await Promise.all(paths.map((p) => diskUsage(host.path(p), timeoutMs)));
      probes.disk = usage.flatMap((u, i) =>
        u.ok
          ? [{ path: paths[i] ?? '/', usedPercent: u.value.usedPercent, freeBytes: u.value.freeBytes }]
          : [],
      );
      const mem = await memory(host.procRoot, timeoutMs);
      if (mem.ok)
        probes.memory = { usedPercent: mem.value.usedPercent, availableBytes: mem.value.availableBytes };
      const full = probes.disk.filter((d) => d.usedPercent >= 95);
      notes.host =
        full.length > 0
          ? { status: 'fail', summary: full.map((d) => `${d.path} ${d.usedPercent}% full`).join(', ') }
          : {
              status: 'ok',
              summary: `disk ≤ ${Math.max(0, ...probes.disk.map((d) => d.usedPercent))}% used${probes.memory ? `, memory ${probes.memory.usedPercent}% used` : ''}`,
            };
    })(),
  );
  if (input.server) {
    tasks.push(
      (async () => {
        const r = await host.run(
          `${input.server}/bin/python`,
          ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'],
          { timeoutMs },
        );
        const version = r.ok && r.value.code === 0 ? r.value.stdout.trim() : '';
        const pyproject = input.workdir ? await host.readFile(`${input.workdir}/pyproject.toml`) : undefined;
        const requires = pyproject
          ? /^requires-python\s*=\s*["']([^"']+)["']/m.exec(pyproject)?.[1]
          : undefined;
        const pinned = input.workdir
          ? (await host.readFile(`${input.workdir}/.python-version`))?.trim()
          : undefined;
        if (!version) {
          notes.runtime = { status: 'fail', summary: `${input.server}/bin/python does not run` };
          return;
        }
        probes.python = { version, ...(requires ? { requires } : {}), ...(pinned ? { pinned } : {}) };
        const ok = satisfies(version, requires) && (!pinned || version.startsWith(pinned));
        notes.runtime = ok
          ? {
              status: 'ok',
              summary: `Python ${version} in ${input.server}${requires ? ` (project: ${requires})` : ''}`,
            }
          : {
              status: 'fail',
              summary: `Python ${version} in ${input.server}, the project asks for ${requires ?? pinned}`,
            };
      })(),
    );
  }
  await Promise.all(tasks);
  return { probes, upstreamFailure, notes };
}

function writableDirs(env: Record<string, string>): string[] {
  return Object.entries(env)
    .filter(([k, v]) => /(?:_DIR|_ROOT|_PATH)$/.test(k) && v.startsWith('/'))
    .map(([, v]) => v);
}

async function probeUpstream(
  input: ProbeInput,
  target: Bind,
  probes: Probes,
  notes: ProbeOutcome['notes'],
): Promise<UpstreamFailure | null> {
  const t = input.timeoutMs;
  const r =
    target.kind === 'unix'
      ? await connectUnix(target.path, t)
      : await connectTcp(target.host === 'localhost' ? '127.0.0.1' : target.host, target.port, t);
  const who = target.kind === 'unix' ? await listenerOnPath(target.path) : await listenersOn(target.port);
  const listeners: string[] = [];
  if (who.ok) {
    const list = Array.isArray(who.value) ? who.value : who.value ? [who.value] : [];
    for (const l of list)
      listeners.push(
        `${l.kind === 'unix' ? l.path : `${l.address}:${l.port}`}${l.command ? ` (${l.command}, pid ${l.pid})` : ''}`,
      );
  }
  let result: string = r.ok ? 'ok' : r.error.kind;
  // medic runs as root and may connect where Nginx's user may not: check the socket as that user.
  if (r.ok && target.kind === 'unix') {
    const user = input.nginx?.user ?? 'www-data';
    const check = await runAs(input.host, user, ['test', '-w', target.path], t);
    if (check === false) result = 'permission';
  }
  probes.upstream = { target, result, listeners };
  const text = formatBind(target);
  if (result === 'ok') {
    notes.upstream = {
      status: 'ok',
      summary: `${text} accepts connections${listeners[0] ? `: ${listeners[0]}` : ''}`,
    };
    return null;
  }
  notes.upstream = {
    status: 'fail',
    summary: `${text}: ${result}${listeners.length ? `; listening there: ${listeners.join(', ')}` : '; nothing listens there'}`,
  };
  const errno =
    result === 'refused'
      ? 111
      : result === 'not_found'
        ? 2
        : result === 'permission'
          ? 13
          : result === 'timeout'
            ? 110
            : 0;
  if (!errno) return null;
  const line = `medic: connect() to ${text} failed (${errno}: ${result}) while connecting to upstream`;
  return {
    target,
    errno,
    reason: result,
    event: {
      time: new Date().toISOString(),
      source: 'probe',
      unit: 'medic',
      pid: null,
      level: 'error',
      text: line,
      line: 0,
    },
    origin: 'probe',
  };
}

async function runAs(host: Host, user: string, argv: string[], timeoutMs: number): Promise<boolean | null> {
  const r = await host.run('runuser', ['-u', user, '--', ...argv], { timeoutMs });
  if (!r.ok) return null;
  return r.value.code === 0;
}

function layersOf(outcome: ProbeOutcome, show: ShowProperties, unit: string): LayerReport[] {
  const active = showValue(show, 'ActiveState') ?? '?';
  const sub = showValue(show, 'SubState') ?? '?';
  const restarts = showValue(show, 'NRestarts') ?? '0';
  const result = showValue(show, 'Result') ?? '';
  const processOk = active === 'active' && sub === 'running';
  const notes = { ...outcome.notes };
  notes.process = processOk
    ? {
        status: Number(restarts) > 0 ? 'warn' : 'ok',
        summary: `${unit} active (running)${Number(restarts) > 0 ? `, ${restarts} restarts` : ''}`,
      }
    : {
        status: 'fail',
        summary: `${unit} ${active} (${sub})${result && result !== 'success' ? `, result ${result}` : ''}, ${restarts} restarts`,
      };
  return LAYERS.map((name) => ({
    name,
    status: notes[name]?.status ?? 'unknown',
    summary: notes[name]?.summary ?? 'not probed',
  }));
}
