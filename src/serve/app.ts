// The dashboard's routes: pages, their JSON under /api, the event stream that tells a page to update, the
// assets. Read-only (GET and HEAD); strict headers on every answer; a bad request, an unknown incident or a
// wrong token is a clear 4xx (JSON under /api, a small page elsewhere), an internal error one line.
import { Hono, type Context } from 'hono';
import { streamSSE } from 'hono/streaming';
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
  incidentsData,
  latencySeries,
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
const DAY_MS = 86_400_000;
/** The header app.js sends for just the inside of <main>. */
const PART = 'x-medic-part';

class HttpError extends Error {
  readonly status: 400 | 401 | 403 | 404 | 405;
  constructor(status: HttpError['status'], message: string) {
    super(message);
    this.status = status;
  }
}

export function dashboardApp(o: AppOptions): Hono {
  const app = new Hono();
  const src = o.source;
  const names = () => src.services.map((s) => s.name);

  app.use('*', async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(k, v);
    if (!c.res.headers.has('cache-control')) c.res.headers.set('cache-control', 'no-store');
  });
  app.use('*', async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const res = failure(
        c,
        new HttpError(405, `the dashboard is read-only: ${c.req.method} is not answered`),
      );
      res.headers.set('allow', 'GET, HEAD');
      return res;
    }
    if (o.credentials === null) {
      const host = hostOfHeader(c.req.header('host'));
      if (!host || !isLoopback(host))
        throw new HttpError(
          403,
          `this dashboard answers on loopback only, not to the host name ${host ?? '(none)'}`,
        );
    } else if (!authorized(c.req.header('authorization'), o.credentials)) {
      const res = failure(
        c,
        new HttpError(401, c.req.header('authorization') ? 'wrong token' : 'this dashboard needs its token'),
      );
      res.headers.set('www-authenticate', 'Basic realm="medic", charset="UTF-8"');
      return res;
    }
    await next();
  });

  const frame = (title: string, nav: Frame['nav'], api: string): Frame => ({
    title,
    nav,
    host: o.hostname,
    asset: (name) => assetUrl(o.assets, name),
    api,
  });
  const render = (c: Context, f: Frame, main: Parameters<typeof page>[1]) => {
    c.header('vary', PART);
    return c.html(c.req.header(PART) === 'main' ? fragment(main) : page(f, main));
  };
  const now = () => src.now().getTime();

  // ---- pages ----
  app.get('/', async (c) => {
    const services = await servicesData(src);
    const to = now();
    const charts = new Map(
      services.map((s) => [s.name, latencySeries(healthData(src, s.name)?.samples ?? [], to - DAY_MS, to)]),
    );
    return render(c, frame('Services', 'services', '/api/services'), servicesMain(services, charts, to));
  });
  app.get('/incidents', (c) => {
    const list = incidentsData(src.store(), incidentFilter(c));
    return render(c, frame('Incidents', 'incidents', '/api/incidents'), incidentsMain(list, now()));
  });
  app.get('/incidents/:id', (c) => {
    const id = incidentId(c.req.param('id'));
    const detail = incidentDetail(src.store(), id);
    if (!detail) throw new HttpError(404, `no incident #${id} in the store`);
    return render(
      c,
      frame(`Incident #${id}`, 'incidents', `/api/incidents/${id}`),
      incidentMain(detail, now()),
    );
  });
  app.get('/checks', (c) =>
    render(c, frame('Checks', 'checks', '/api/checks'), checksMain(checksData(src.store()), names(), now())),
  );
  app.get('/releases', async (c) =>
    render(c, frame('Releases', 'releases', '/api/releases'), releasesMain(await releasesData(src), names())),
  );

  // ---- the same data as JSON, in the CLI's shapes ----
  const json = (c: Context, body: string) => c.body(`${body}\n`, 200, { 'content-type': 'application/json' });
  app.get('/api/services', async (c) => json(c, jsonOf('serve', 'services', await servicesData(src))));
  app.get('/api/services/:name/health', (c) => {
    const data = healthData(src, c.req.param('name'));
    if (!data) throw new HttpError(404, `no service ${c.req.param('name')} here`);
    return json(c, jsonOf('serve', 'services', [data]));
  });
  app.get('/api/incidents', (c) =>
    json(c, jsonOf('incidents', 'incidents', incidentsData(src.store(), incidentFilter(c)))),
  );
  app.get('/api/incidents/:id', (c) => {
    const id = incidentId(c.req.param('id'));
    const detail = incidentDetail(src.store(), id);
    if (!detail) throw new HttpError(404, `no incident #${id} in the store`);
    return json(c, jsonOf('incidents', 'incidents', [detail]));
  });
  app.get('/api/checks', (c) => json(c, jsonOf('check', 'services', checksData(src.store()))));
  app.get('/api/releases', async (c) => {
    const { releases, deploys } = await releasesData(src);
    return json(c, jsonOf('releases', 'releases', releases, { deploys }));
  });
  app.get('/api/events', (c) =>
    streamSSE(c, async (stream) => {
      const off = o.feed.subscribe((mark) => void stream.writeSSE({ event: 'change', data: mark }));
      const closed = new Promise<void>((resolve) => stream.onAbort(resolve));
      await stream.writeSSE({ event: 'hello', data: await o.feed.poll(), retry: 3000 });
      while (!stream.aborted) {
        // a comment now and then keeps proxies from closing a quiet stream
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([closed, new Promise((r) => (timer = setTimeout(r, 20_000).unref()))]);
        clearTimeout(timer);
        if (!stream.aborted) await stream.write(': still here\n\n');
      }
      off();
    }),
  );

  // ---- assets, from memory ----
  app.get('/assets/:name', (c) => {
    const a = o.assets.get(c.req.param('name'));
    if (!a) throw new HttpError(404, `no asset ${c.req.param('name')}`);
    const gzip = /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
    const headers: Record<string, string> = {
      'content-type': a.type,
      etag: `"${a.hash}"`,
      vary: 'accept-encoding',
      'cache-control': c.req.query('v') === a.hash ? 'public, max-age=31536000, immutable' : 'no-cache',
    };
    if (c.req.header('if-none-match') === `"${a.hash}"`) return c.body(null, 304, headers);
    if (gzip) return c.body(new Uint8Array(a.gzip), 200, { ...headers, 'content-encoding': 'gzip' });
    return c.body(a.body, 200, headers);
  });
  app.get('/favicon.ico', (c) => c.redirect(assetUrl(o.assets, 'favicon.svg'), 301));

  app.notFound((c) => failure(c, new HttpError(404, `nothing at ${c.req.path}`)));
  app.onError((error, c) => {
    if (error instanceof HttpError) return failure(c, error);
    // an internal error: one line, never its stack
    return failure(c, { status: 500, message: 'internal error: the dashboard could not read this' });
  });

  function failure(c: Context, e: { status: number; message: string }): Response {
    const status = e.status as 400;
    if (c.req.path.startsWith('/api/'))
      return c.body(
        `${JSON.stringify({ schema: 1, error: { status: e.status, message: e.message } })}\n`,
        status,
        {
          'content-type': 'application/json',
        },
      );
    return c.html(
      page(frame(String(e.status), null, '/api/services'), errorMain(e.status, e.message)),
      status,
    );
  }

  return app;
}

function incidentId(raw: string): number {
  const n = /^#?\d{1,9}$/.test(raw) ? Number(raw.replace('#', '')) : NaN;
  if (!Number.isInteger(n) || n < 1) throw new HttpError(400, `${raw}: an incident number, like 12`);
  return n;
}

function incidentFilter(c: Context): { service?: string; state?: IncidentState; limit: number } {
  const { service, state, limit } = c.req.query();
  const n = limit === undefined ? 50 : Number(limit);
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new HttpError(400, `limit=${limit}: a whole number from 1 to 1000`);
  if (state !== undefined && !STATES.includes(state as IncidentState))
    throw new HttpError(400, `state=${state}: one of ${STATES.join(', ')}`);
  return { ...(service ? { service } : {}), ...(state ? { state: state as IncidentState } : {}), limit: n };
}
