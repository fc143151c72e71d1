// The dashboard's routes: pages, their JSON under /api, the event stream that tells a page to update, the
// assets. Read-only (GET and HEAD); strict headers on every answer; a bad request, an unknown incident or a
// wrong token is a clear 4xx (JSON under /api, a small page elsewhere), an internal error one line.
// A plain table of routes over Node's HTTP server: no Request/Response objects, which would cost the daemon
// a dozen megabytes for nothing a read-only GET needs.
import type { HttpReply, HttpRequest } from '../host/http-serve.ts';
import { jsonOf } from '../report/json.ts';
import type { IncidentState } from '../store/store.ts';
import { authorized, type Credentials, hostOfHeader, isLoopback } from './access.ts';
import { assetUrl, type Assets } from './assets.ts';
import type { ChangeFeed } from './changes.ts';
import {
  checksData,
  type DashboardSource,
  healthData,
  incidentDetail,
  type IncidentFilter,
  incidentsData,
  releasesData,
  servicesData,
} from './data.ts';
import {
  checksMain,
  errorMain,
  fragment,
  type Frame,
  incidentMain,
  incidentsMain,
  page,
  releasesMain,
  servicesMain,
} from './pages.ts';

export interface AppOptions {
  source: DashboardSource;
  assets: Assets;
  /** null: bound to loopback, where only a loopback Host is answered. */
  credentials: Credentials | null;
  feed: ChangeFeed;
  /** This server's name, on every page. */
  hostname: string;
}

/** No inline script or style anywhere: app.js and the style sheets come from here, nothing from elsewhere. */
export const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CSP,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const STATES: readonly IncidentState[] = ['open', 'gave_up', 'resolved'];
/** The header app.js sends for just the inside of <main>. */
const PART = 'x-medic-part';
const HTML = 'text/html; charset=utf-8';
const JSON_TYPE = 'application/json';

class HttpError extends Error {
  readonly status: 400 | 401 | 403 | 404 | 405;
  constructor(status: HttpError['status'], message: string) {
    super(message);
    this.status = status;
  }
}

interface Request {
  path: string;
  query: URLSearchParams;
  headers: HttpRequest['headers'];
  /** The path's captures, as sent (not decoded). */
  params: string[];
}

type Route = [RegExp, (r: Request) => HttpReply | Promise<HttpReply>];

/** The dashboard as a function from a request to its answer. */
export function dashboard(o: AppOptions): (request: HttpRequest) => Promise<HttpReply> {
  const src = o.source;
  const names = () => src.services.map((s) => s.name);
  const now = () => src.now().getTime();
  const frame = (title: string, nav: Frame['nav'], api: string): Frame => ({
    title,
    nav,
    host: o.hostname,
    asset: (name) => assetUrl(o.assets, name),
    api,
  });
  const render = (r: Request, f: Frame, main: Parameters<typeof page>[1]): HttpReply => ({
    status: 200,
    headers: { 'content-type': HTML, vary: PART },
    body: r.headers[PART] === 'main' ? fragment(main) : page(f, main),
  });
  const json = (body: string): HttpReply => ({
    status: 200,
    headers: { 'content-type': JSON_TYPE },
    body: `${body}\n`,
  });

  const routes: Route[] = [
    // ---- pages ----
    [
      /^\/$/,
      async (r) =>
        render(
          r,
          frame('Services', 'services', '/api/services'),
          servicesMain(await servicesData(src), now()),
        ),
    ],
    [
      /^\/incidents$/,
      async (r) =>
        render(
          r,
          frame('Incidents', 'incidents', '/api/incidents'),
          incidentsMain(await incidentsData(src.store(), incidentFilter(r.query)), now()),
        ),
    ],
    [
      /^\/incidents\/([^/]+)$/,
      async (r) => {
        const id = incidentId(r.params[0] ?? '');
        const host = hostParam(r.query);
        const detail = await incidentDetail(src.store(), id, host);
        if (!detail) throw new HttpError(404, `no incident #${id}${host ? ` on ${host}` : ''} in the store`);
        return render(
          r,
          frame(`Incident #${id}`, 'incidents', `/api/incidents/${id}`),
          incidentMain(detail, now()),
        );
      },
    ],
    [
      /^\/checks$/,
      async (r) =>
        render(
          r,
          frame('Checks', 'checks', '/api/checks'),
          checksMain(await checksData(src.store()), names(), now(), src.store()?.here),
        ),
    ],
    [
      /^\/releases$/,
      async (r) =>
        render(
          r,
          frame('Releases', 'releases', '/api/releases'),
          releasesMain(await releasesData(src), names()),
        ),
    ],

    // ---- the same data as JSON, in the CLI's shapes ----
    [/^\/api\/services$/, async () => json(jsonOf('serve', 'services', await servicesData(src)))],
    [
      /^\/api\/services\/([^/]+)\/health$/,
      async (r) => {
        const name = decoded(r.params[0] ?? '');
        const data = await healthData(src, name, hostParam(r.query));
        if (!data) throw new HttpError(404, `no service ${name} here`);
        return json(jsonOf('serve', 'services', [data]));
      },
    ],
    [
      /^\/api\/incidents$/,
      async (r) =>
        json(jsonOf('incidents', 'incidents', await incidentsData(src.store(), incidentFilter(r.query)))),
    ],
    [
      /^\/api\/incidents\/([^/]+)$/,
      async (r) => {
        const id = incidentId(r.params[0] ?? '');
        const host = hostParam(r.query);
        const detail = await incidentDetail(src.store(), id, host);
        if (!detail) throw new HttpError(404, `no incident #${id}${host ? ` on ${host}` : ''} in the store`);
        return json(jsonOf('incidents', 'incidents', [detail]));
      },
    ],
    [/^\/api\/checks$/, async () => json(jsonOf('check', 'services', await checksData(src.store())))],
    [
      /^\/api\/releases$/,
      async () => {
        const { releases, deploys } = await releasesData(src);
        return json(jsonOf('releases', 'releases', releases, { deploys }));
      },
    ],
    [
      /^\/api\/events$/,
      () => ({
        status: 200,
        headers: { 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' },
        async stream(write, closed) {
          const off = o.feed.subscribe((mark) => write(`event: change\ndata: ${mark}\n\n`));
          try {
            write(`retry: 3000\nevent: hello\ndata: ${await o.feed.poll()}\n\n`);
            let open = true;
            void closed.then(() => (open = false));
            while (open) {
              // a comment now and then keeps proxies from closing a quiet stream
              let timer: NodeJS.Timeout | undefined;
              await Promise.race([closed, new Promise((r) => (timer = setTimeout(r, 20_000).unref()))]);
              clearTimeout(timer);
              if (open) write(': still here\n\n');
            }
          } finally {
            off();
          }
        },
      }),
    ],

    // ---- assets, from memory ----
    [
      /^\/assets\/([^/]+)$/,
      (r) => {
        const name = r.params[0] ?? '';
        const a = o.assets.get(name);
        if (!a) throw new HttpError(404, `no asset ${name}`);
        const headers: Record<string, string> = {
          'content-type': a.type,
          etag: `"${a.hash}"`,
          vary: 'accept-encoding',
          'cache-control': r.query.get('v') === a.hash ? 'public, max-age=31536000, immutable' : 'no-cache',
        };
        if (r.headers['if-none-match'] === `"${a.hash}"`) return { status: 304, headers, body: '' };
        if (/\bgzip\b/.test(r.headers['accept-encoding'] ?? ''))
          return { status: 200, headers: { ...headers, 'content-encoding': 'gzip' }, body: a.gzip };
        return { status: 200, headers, body: a.body };
      },
    ],
    [
      /^\/favicon\.ico$/,
      () => ({ status: 301, headers: { location: assetUrl(o.assets, 'favicon.svg') }, body: '' }),
    ],
  ];

  function failure(
    path: string,
    status: number,
    message: string,
    extra: Record<string, string> = {},
  ): HttpReply {
    if (path.startsWith('/api/'))
      return {
        status,
        headers: { 'content-type': JSON_TYPE, ...extra },
        body: `${JSON.stringify({ schema: 1, error: { status, message } })}\n`,
      };
    return {
      status,
      headers: { 'content-type': HTML, ...extra },
      body: page(frame(String(status), null, '/api/services'), errorMain(status, message)),
    };
  }

  async function answer(req: HttpRequest, path: string, query: URLSearchParams): Promise<HttpReply> {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return failure(path, 405, `the dashboard is read-only: ${req.method} is not answered`, {
        allow: 'GET, HEAD',
      });
    if (o.credentials === null) {
      const host = hostOfHeader(req.headers['host']);
      if (!host || !isLoopback(host))
        return failure(
          path,
          403,
          `this dashboard answers on loopback only, not to the host name ${host ?? '(none)'}`,
        );
    } else if (!authorized(req.headers['authorization'], o.credentials))
      return failure(
        path,
        401,
        req.headers['authorization'] ? 'wrong token' : 'this dashboard needs its token',
        {
          'www-authenticate': 'Basic realm="medic", charset="UTF-8"',
        },
      );
    for (const [pattern, handle] of routes) {
      const m = pattern.exec(path);
      if (m) return handle({ path, query, headers: req.headers, params: m.slice(1) });
    }
    return failure(path, 404, `nothing at ${path}`);
  }

  return async (req) => {
    const url = new URL(req.url, 'http://dashboard');
    let reply: HttpReply;
    try {
      reply = await answer(req, url.pathname, url.searchParams);
    } catch (error) {
      // an internal error: one line, never its stack
      reply =
        error instanceof HttpError
          ? failure(url.pathname, error.status, error.message)
          : error instanceof Error && error.name === 'SharedStoreUnavailable'
            ? failure(url.pathname, 503, error.message)
            : failure(url.pathname, 500, 'internal error: the dashboard could not read this');
    }
    reply.headers = { ...SECURITY_HEADERS, 'cache-control': 'no-store', ...reply.headers };
    return reply;
  };
}

function decoded(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, `${raw}: not a name`);
  }
}

function incidentId(raw: string): number {
  const n = /^(?:#|%23)?\d{1,9}$/.test(raw) ? Number(raw.replace(/^(?:#|%23)/, '')) : NaN;
  if (!Number.isInteger(n) || n < 1) throw new HttpError(400, `${raw}: an incident number, like 12`);
  return n;
}

/** ?host=NAME: one host's, in a shared store. */
function hostParam(query: URLSearchParams): string | undefined {
  const host = query.get('host');
  if (host === null || host === '') return undefined;
  if (!/^[\w.-]{1,253}$/.test(host)) throw new HttpError(400, `host=${host}: a host name`);
  return host;
}

function incidentFilter(query: URLSearchParams): IncidentFilter {
  const host = hostParam(query);
  const service = query.get('service');
  const state = query.get('state');
  const limit = query.get('limit');
  const n = limit === null ? 50 : Number(limit);
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new HttpError(400, `limit=${limit}: a whole number from 1 to 1000`);
  if (state !== null && !STATES.includes(state as IncidentState))
    throw new HttpError(400, `state=${state}: one of ${STATES.join(', ')}`);
  return {
    ...(service ? { service } : {}),
    ...(state ? { state: state as IncidentState } : {}),
    ...(host ? { host } : {}),
    limit: n,
  };
}
