// What the server runs, as systemd and Nginx see it: the service units (which of them are Python app
// servers, which are task workers) and Nginx's sites. Shared by diagnose, init and check.
import type { Host } from '../host/host.ts';
import { type Directive, parseNginxDump } from '../nginx/config.ts';
import { type NginxSite, sitesOf, upstreamOf } from '../nginx/sites.ts';
import { parseShowUnits, showValue } from '../systemd/show.ts';

export const APP_SERVER = /\b(?:gunicorn|uvicorn|daphne|hypercorn|waitress-serve|manage\.py runserver)\b/;
export const WORKER = /\b(?:celery|rq worker|rqworker|dramatiq|huey)\b/;

export interface UnitListing {
  id: string;
  exec: string;
  active: string;
}

/**
 * The service units systemd knows: the loaded ones and the unit files an administrator installed in
 * /etc/systemd/system (a failed or disabled app unit may not be loaded). With `prefix`, only the units whose
 * name starts with it (an app and its workers). null when systemd cannot be asked.
 */
export async function serviceUnits(
  host: Host,
  timeoutMs: number,
  prefix?: string,
): Promise<UnitListing[] | null> {
  const list = await host.run(
    'systemctl',
    ['list-units', '--type=service', '--all', '--plain', '--no-legend', '--no-pager'],
    { timeoutMs },
  );
  if (!list.ok || list.value.code !== 0) return null;
  const ids = list.value.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((id) => id.endsWith('.service'));
  // `systemctl list-unit-files` takes half a second: the administrator's own unit files are enough.
  for (const f of (await host.readdir('/etc/systemd/system')) ?? [])
    if (f.endsWith('.service') && !f.includes('@') && !ids.includes(f)) ids.push(f);
  const wanted = prefix ? ids.filter((id) => id.startsWith(prefix)) : ids;
  if (wanted.length === 0) return [];
  const show = await host.run(
    'systemctl',
    ['show', '-p', 'Id,ExecStart,ActiveState,LoadState', '--', ...wanted],
    {
      timeoutMs,
    },
  );
  if (!show.ok) return null;
  return parseShowUnits(show.value.stdout)
    .filter((p) => showValue(p, 'LoadState') !== 'not-found')
    .map((p) => ({
      id: showValue(p, 'Id') ?? '',
      exec: (p.get('ExecStart') ?? []).join(' '),
      active: showValue(p, 'ActiveState') ?? '',
    }));
}

export interface NginxView {
  sites: NginxSite[];
  /** The whole parsed configuration, for what sites do not carry (proxy_set_header inheritance). */
  directives: Directive[];
  errorLogs: string[];
  /** The user Nginx's workers run as: the one that must reach the app's socket. */
  user: string;
}

/** Nginx's whole configuration as `nginx -T` prints it; null when Nginx is not installed or prints nothing. */
export async function nginxView(host: Host, timeoutMs: number): Promise<NginxView | null> {
  const dump = await host.run('nginx', ['-T'], { timeoutMs });
  if (!dump.ok || !dump.value.stdout) return null;
  const parsed = parseNginxDump(dump.value.stdout);
  if (!parsed.ok)
    return { sites: [], directives: [], errorLogs: ['/var/log/nginx/error.log'], user: 'www-data' };
  const text = dump.value.stdout;
  const errorLogs = [
    ...new Set([...text.matchAll(/^\s*error_log\s+(\/\S+?)[\s;]/gm)].map((m) => m[1] ?? '')),
  ];
  const user = /^\s*user\s+([\w-]+)/m.exec(text)?.[1] ?? 'www-data';
  return {
    sites: sitesOf(parsed.config),
    directives: parsed.config.directives,
    errorLogs: errorLogs.length > 0 ? errorLogs : ['/var/log/nginx/error.log'],
    user,
  };
}

/** When no site reaches the app's bind (the mismatch itself), the proxying site named after the unit. */
export function siteNamedAfter(sites: NginxSite[], unit: string): NginxSite | null {
  const base = unit.replace(/\.service$/, '').replace(/[-_](?:web|app|gunicorn|uvicorn)$/, '');
  const proxied = sites.filter((s) => upstreamOf(s).length > 0);
  return (
    proxied.find((s) => (s.file.split('/').pop() ?? '').replace(/\.conf$/, '') === base) ??
    proxied.find((s) => s.serverNames.some((n) => n.split('.').includes(base)) || s.file.includes(base)) ??
    null
  );
}

/** The worker units (Celery, RQ, …) that belong to an app: named after it. */
export function workersOf(units: UnitListing[], unit: string): UnitListing[] {
  const prefix = unit.replace(/\.service$/, '');
  return units.filter((w) => WORKER.test(w.exec) && w.id.startsWith(prefix) && w.id !== unit);
}
