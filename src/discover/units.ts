// What the server runs, as systemd and Nginx see it: the service units (which of them are Python app
// servers, which are task workers) and Nginx's sites. Shared by diagnose, init and check.
import type { Host } from '../host/host.ts';
import { posix } from 'node:path';
import { type Directive, matchesGlob, parseNginxDump } from '../nginx/config.ts';
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

/**
 * Nginx's whole configuration as `nginx -T` prints it. `nginx -T` prints nothing unless its config test
 * passes, and as any user but root that test fails on a TLS site's key (medic watch runs as its own user):
 * then the configuration is read from its files, as far as they can be read. null when there is none.
 */
export async function nginxView(host: Host, timeoutMs: number): Promise<NginxView | null> {
  const dump = await host.run('nginx', ['-T'], { timeoutMs });
  const text =
    dump.ok && dump.value.stdout
      ? dump.value.stdout
      : process.getuid?.() !== 0
        ? await nginxDumpFromFiles(host, confPathOf(dump.ok ? dump.value.stderr : ''))
        : null;
  if (!text) return null;
  const parsed = parseNginxDump(text);
  if (!parsed.ok)
    return { sites: [], directives: [], errorLogs: ['/var/log/nginx/error.log'], user: 'www-data' };
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

/** The main file `nginx -t` names in its messages ("configuration file /etc/nginx/nginx.conf test failed"). */
function confPathOf(stderr: string): string {
  return /configuration file (\/\S+) test/.exec(stderr)?.[1] ?? '/etc/nginx/nginx.conf';
}

/** At most this many files are read for a dump: a config that includes more is cut there. */
const MAX_NGINX_FILES = 500;

/**
 * The text `nginx -T` would print, made from the files themselves: the main file, then every file its
 * `include` directives name (globs resolved against the directory), each after its "# configuration file"
 * line. Files medic cannot read are left out (the parse reports them as missing includes). null when the
 * main file cannot be read.
 */
export async function nginxDumpFromFiles(host: Host, main: string): Promise<string | null> {
  const prefix = posix.dirname(main);
  const seen = new Set<string>();
  const out: string[] = [];
  const queue = [main];
  while (queue.length > 0 && seen.size < MAX_NGINX_FILES) {
    const file = queue.shift() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = await host.readFile(file);
    if (text === undefined) {
      if (file === main) return null;
      continue;
    }
    out.push(`# configuration file ${file}:`, text, '');
    const code = text.replace(/#.*$/gm, '');
    for (const m of code.matchAll(/(?:^|[;{}\s])include\s+(['"]?)([^;'"\s]+)\1\s*;/g)) {
      const pattern = m[2] as string;
      const path = posix.isAbsolute(pattern) ? pattern : posix.join(prefix, pattern);
      if (!/[*?[]/.test(path)) {
        queue.push(path);
        continue;
      }
      const dir = posix.dirname(path);
      const names = (await host.readdir(dir)) ?? [];
      queue.push(
        ...names
          .map((n) => posix.join(dir, n))
          .filter((p) => matchesGlob(path, p))
          .sort(),
      );
    }
  }
  return out.join('\n');
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
