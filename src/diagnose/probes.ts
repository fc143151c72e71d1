// The live facts the causes read (Probes), taken from the same shared facts the checks judge: one DNS answer,
// one TLS handshake, one connection to the upstream, one database and one Redis probe per diagnosis.
import type { Bind, Probes, UpstreamFailure } from '../causes/types.ts';
import type { CheckContext } from '../checks/context.ts';
import { isLocalAddress } from '../host/dns.ts';
import { httpGet } from '../host/http.ts';
import { REDIS_URL_NAMES } from '../discover/project.ts';
import { siteEntry } from '../discover/service.ts';
import { upstreamOf } from '../nginx/sites.ts';
import { upstreamFailureOf } from '../causes/upstream.ts';

export interface LiveFacts {
  probes: Probes;
  /** medic's own connection to Nginx's upstream failed: a line as Nginx would have logged it. */
  upstreamFailure: UpstreamFailure | null;
}

export async function probesOf(ctx: CheckContext): Promise<LiveFacts> {
  const { service } = ctx;
  const { site, serverName } = service;
  const probes: Probes = {};
  let upstreamFailure: UpstreamFailure | null = null;
  const tlsListen = site?.listen.find((l) => l.ssl);
  const upstream =
    (site ? (upstreamOf(site).find((u) => u.location === '/') ?? upstreamOf(site)[0])?.target : undefined) ??
    service.binds[0];
  const redisUrl = REDIS_URL_NAMES.map((n) => service.env[n]).find((v) => v && /^rediss?:/.test(v));
  const dbUrl = ctx.databaseUrl();

  await Promise.all([
    serverName &&
      ctx.resolve(serverName).then((r) => {
        probes.dns = r.ok
          ? {
              name: serverName,
              addresses: r.value.addresses,
              local: r.value.addresses.some((a) => isLocalAddress(a)),
            }
          : { name: serverName, addresses: [], local: false, error: r.error.message };
      }),
    serverName &&
      tlsListen &&
      ctx.certificate(serverName, tlsListen.port ?? 443).then((r) => {
        if (!r.ok) {
          probes.tls = { name: serverName, error: r.error.message };
          return;
        }
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
      }),
    ctx.nginxTest().then((r) => {
      if (r) probes.nginxTest = r;
    }),
    upstream &&
      upstreamAnswer(ctx, upstream).then((r) => {
        probes.upstream = r.probe;
        upstreamFailure = r.failure;
      }),
    ctx.health().then((r) => {
      const h = service.health;
      if (!r || !h) return;
      probes.health = r.ok
        ? { url: h.url, status: r.value.status, body: r.value.body }
        : { url: h.url, error: `${r.error.kind}: ${r.error.message}` };
    }),
    staticProbe(ctx).then((r) => {
      if (r) probes.static = r;
    }),
    dbUrl &&
      ctx.postgres().then((r) => {
        if (r)
          probes.database = {
            url: dbUrl,
            result: r.ok ? 'ok' : r.error.kind,
            ...(r.ok ? {} : { message: r.error.message }),
          };
      }),
    redisUrl &&
      ctx.redis(redisUrl).then((r) => {
        probes.cache = {
          url: redisUrl,
          result: r.ok ? 'ok' : r.error.kind,
          ...(r.ok ? {} : { message: r.error.message }),
        };
      }),
    diskOf(ctx).then((d) => {
      probes.disk = d;
    }),
    ctx.memory().then((m) => {
      if (m.ok) probes.memory = { usedPercent: m.value.usedPercent, availableBytes: m.value.availableBytes };
    }),
    ctx.pythonVersion().then((p) => {
      const want = service.project?.python;
      if (p && 'version' in p)
        probes.python = {
          version: p.version,
          ...(want ? (want.from === 'pyproject.toml' ? { requires: want.spec } : { pinned: want.spec }) : {}),
        };
    }),
  ]);
  if (service.workers.length > 0)
    probes.workers = service.workers.map((w) => ({ unit: w.id, active: w.active }));
  return { probes, upstreamFailure };
}

/** The paths whose file systems a full disk would break: root, the app, PostgreSQL, the app's writable dirs. */
async function diskOf(ctx: CheckContext): Promise<NonNullable<Probes['disk']>> {
  const paths = [
    ...new Set([
      '/',
      ctx.service.workdir ?? '/',
      '/var/log',
      '/var/lib/postgresql',
      ...(ctx.service.project?.writable ?? []),
    ]),
  ];
  const usage = await Promise.all(paths.map((p) => ctx.disk(p)));
  return usage.flatMap((u, i) =>
    u.ok
      ? [
          {
            path: paths[i] ?? '/',
            usedPercent: Math.max(u.value.usedPercent, u.value.inodesUsedPercent),
            freeBytes: u.value.freeBytes,
          },
        ]
      : [],
  );
}

/** medic connects where Nginx does; as root it may where Nginx's user may not, so a socket is tested as that user. */
async function upstreamAnswer(
  ctx: CheckContext,
  target: Bind,
): Promise<{ probe: NonNullable<Probes['upstream']>; failure: UpstreamFailure | null }> {
  const [r, all] = await Promise.all([ctx.connect(target), ctx.listeners()]);
  const listeners = (all ?? [])
    .filter((l) =>
      target.kind === 'unix'
        ? l.kind === 'unix' && l.path === target.path
        : l.kind === 'tcp' && l.port === target.port,
    )
    .map(
      (l) =>
        `${l.kind === 'unix' ? l.path : `${l.address}:${l.port}`}${l.command ? ` (${l.command}, pid ${l.pid})` : ''}`,
    );
  let result: string = r.ok ? 'ok' : r.error.kind;
  if (r.ok && target.kind === 'unix' && (await ctx.nginxMayConnect(target.path)) === false)
    result = 'permission';
  return { probe: { target, result, listeners }, failure: upstreamFailureOf(target, result, ctx.host.now()) };
}

/** A file of the site's /static/ location, asked through Nginx: a collectstatic never run answers 404. */
async function staticProbe(ctx: CheckContext): Promise<Probes['static'] | null> {
  const { site, serverName } = ctx.service;
  const loc = site?.locations.find((l) => /^\/(?:static|assets)\/?$/.test(l.path) && (l.alias || l.root));
  if (!loc || !serverName) return null;
  const dir = loc.alias ?? `${loc.root}${loc.path}`;
  const entries = await ctx.host.readdir(dir);
  const { scheme, port } = siteEntry(site);
  const file = entries?.find((e) => /\.\w+$/.test(e));
  const url = `${scheme}://${serverName}${loc.path.replace(/\/?$/, '/')}${file ?? ''}`;
  if (!entries) return { url, path: dir, exists: false, status: 404 };
  if (!file) return null;
  const r = await httpGet(url, {
    timeoutMs: ctx.timeoutMs,
    connectTo: { host: '127.0.0.1', port },
    rejectUnauthorized: false,
    maxBody: 64,
  });
  return { url, path: dir, exists: true, ...(r.ok ? { status: r.value.status } : {}) };
}
