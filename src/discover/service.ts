// Finds a deployment from its systemd unit: the app server and its binds, the virtualenv, the user, the
// environment (values kept in memory for probes, never written out), the project on disk, the Nginx site in
// front of it, its health URL and its worker units. `medic init` writes this down; `medic check` runs on it.
import { parseEnvFile } from '../app/envfile.ts';
import type { Bind } from '../app/bind.ts';
import { type AppServer, appServerOf } from '../app/server.ts';
import { UsageError } from '../errors.ts';
import { containers } from '../host/docker.ts';
import type { Host } from '../host/host.ts';
import { httpGet } from '../host/http.ts';
import { type NginxSite, siteForBind } from '../nginx/sites.ts';
import type { Masker } from '../report/mask.ts';
import {
  type EnvironmentFile,
  type ExecCommand,
  parseShow,
  showEnvironment,
  showEnvironmentFiles,
  showExecCommands,
  showValue,
  type ShowProperties,
} from '../systemd/show.ts';
import { type Project, projectOf } from './project.ts';
import {
  APP_SERVER,
  nginxView,
  type NginxView,
  serviceUnits,
  siteNamedAfter,
  type UnitListing,
  workersOf,
} from './units.ts';

export interface Health {
  url: string;
  /** The status a healthy app answers with. */
  status: number;
  /** Text the body must contain, when set. */
  body?: string;
  /** Where the request goes (Nginx on this host), keeping the URL's Host and SNI. */
  connectTo?: { host: string; port: number };
  socketPath?: string;
}

export interface Service {
  name: string;
  unit: string;
  show: ShowProperties;
  user: string;
  group: string;
  workdir: string | null;
  exec: ExecCommand | null;
  server: AppServer | null;
  venv: string | null;
  /** The interpreter the app runs with: the venv's python, or the one the command names. */
  python: string | null;
  envFiles: EnvironmentFile[];
  /** Names set by Environment= and the env files; the values stay in memory only. */
  env: Record<string, string>;
  /** Which env file (or "Environment=") set each name. */
  envSource: Record<string, string>;
  binds: Bind[];
  project: Project | null;
  nginx: NginxView | null;
  site: NginxSite | null;
  serverName: string | null;
  health: Health | null;
  workers: UnitListing[];
  /** Every service unit on the host (for port and worker look-ups). */
  units: UnitListing[];
}

export interface DiscoverOptions {
  timeoutMs: number;
  masker: Masker;
  /** Probe /health, /healthz, /up, / for the health URL (init); check takes it from medic.yaml when set. */
  health?: Health | null;
}

/** The app units on this host; a clear error when systemd cannot be asked. */
export async function appUnits(
  host: Host,
  timeoutMs: number,
  prefix?: string,
): Promise<{ all: UnitListing[]; apps: UnitListing[] }> {
  const all = await serviceUnits(host, timeoutMs, prefix);
  if (all === null)
    throw new UsageError('cannot ask systemd about units here (no systemctl, or no systemd running)');
  return { all, apps: all.filter((u) => APP_SERVER.test(u.exec)) };
}

export function unitId(name: string): string {
  return name.includes('.') ? name : `${name}.service`;
}

/** The unit's name, checked against the units systemd knows; a clear error naming the app units when absent. */
export async function requireUnit(
  host: Host,
  all: UnitListing[],
  name: string,
  timeoutMs: number,
): Promise<string> {
  const unit = unitId(name);
  if (all.some((u) => u.id === unit)) return unit;
  const apps = ((await serviceUnits(host, timeoutMs)) ?? all).filter((u) => APP_SERVER.test(u.exec));
  const docker = await containers(timeoutMs);
  const engine = docker.ok
    ? `nor a container: ${docker.value.map((c) => c.Names[0]?.replace(/^\//, '')).join(', ') || 'none here'}`
    : 'no Docker engine on this host either';
  throw new UsageError(
    `no systemd unit named ${unit} (${engine}); app units here: ${apps.map((a) => a.id.replace(/\.service$/, '')).join(', ') || 'none found'}`,
  );
}

/** What systemd and Nginx say about one unit: state, environment, app server and binds, the site in front. */
export type UnitView = Omit<Service, 'project' | 'health' | 'workers' | 'units' | 'name'>;

export async function unitView(
  host: Host,
  unit: string,
  nginx: NginxView | null,
  opts: { timeoutMs: number; masker: Masker },
): Promise<UnitView> {
  const showRun = await host.run('systemctl', ['show', unit], { timeoutMs: opts.timeoutMs });
  if (!showRun.ok || showRun.value.code !== 0) throw new UsageError(`systemctl show ${unit} failed`);
  const show = parseShow(showRun.value.stdout);
  const envFiles = showEnvironmentFiles(show);
  const env: Record<string, string> = {};
  const envSource: Record<string, string> = {};
  const texts = await Promise.all(envFiles.map((f) => host.readFile(f.path)));
  envFiles.forEach((f, i) => {
    const text = texts[i];
    if (text === undefined) return;
    opts.masker.addEnvFile(text);
    for (const [k, v] of parseEnvFile(text)) {
      env[k] = v;
      envSource[k] = f.path;
    }
  });
  for (const { name: k, value } of showEnvironment(show)) {
    env[k] = value;
    envSource[k] = 'Environment=';
    opts.masker.addEnvFile(`${k}=${value}`);
  }
  const exec = showExecCommands(show, 'ExecStart')[0] ?? null;
  const workdir = (showValue(show, 'WorkingDirectory') || '').replace(/^!?-?/, '') || null;
  const server = exec
    ? appServerOf(exec.argv, { read: (p) => host.readFileNow(p), cwd: workdir ?? undefined, env })
    : null;
  const binds = server?.binds ?? [];
  const sites = nginx?.sites ?? [];
  // The site whose upstream reaches the app; when none does (the mismatch itself), the one named after it.
  const site = binds.map((b) => siteForBind(sites, b)[0]).find(Boolean) ?? siteNamedAfter(sites, unit);
  const serverName = site?.serverNames.find((n) => n && n !== '_' && !n.startsWith('~')) ?? null;
  const venv = server?.python?.venv ?? null;
  return {
    unit,
    show,
    user: showValue(show, 'User') || 'root',
    group: showValue(show, 'Group') || showValue(show, 'User') || 'root',
    workdir,
    exec,
    server,
    venv,
    python: server?.python?.interpreter ?? (venv ? `${venv}/bin/python` : null),
    envFiles,
    env,
    envSource,
    binds,
    nginx,
    site,
    serverName,
  };
}

export async function discoverService(host: Host, name: string, opts: DiscoverOptions): Promise<Service> {
  const { timeoutMs } = opts;
  // systemd's units and Nginx's sites at once; then the unit; then the project and the health URL at once.
  const [{ all }, nginx] = await Promise.all([
    appUnits(host, timeoutMs, unitId(name).replace(/\.service$/, '')),
    nginxView(host, timeoutMs),
  ]);
  const unit = await requireUnit(host, all, name, timeoutMs);
  return serviceOf(host, unit, all, nginx, opts);
}

/** The deployment of a unit systemd knows, given the host's units and Nginx's view already read. */
export async function serviceOf(
  host: Host,
  unit: string,
  all: UnitListing[],
  nginx: NginxView | null,
  opts: DiscoverOptions,
): Promise<Service> {
  const { timeoutMs } = opts;
  const view = await unitView(host, unit, nginx, opts);
  const root = view.server?.chdir ?? view.workdir;
  const [project, health] = await Promise.all([
    root ? projectOf(host, root, view.env, { module: view.server?.module }) : null,
    opts.health === undefined
      ? findHealth(view.site, view.serverName, view.binds, timeoutMs)
      : Promise.resolve(opts.health),
  ]);
  return {
    ...view,
    name: unit.replace(/\.service$/, ''),
    project,
    health,
    workers: workersOf(all, unit),
    units: all,
  };
}

/** The site's server_name values that are one literal host name: no catch-all "_", regex or wildcard. */
export function plainServerNames(site: NginxSite): string[] {
  return site.serverNames.filter((n) => n && n !== '_' && !n.startsWith('~') && !n.includes('*'));
}

/** How to reach the app through Nginx on this host: scheme, port and the address to connect to. */
export function siteEntry(site: NginxSite | null): { scheme: 'http' | 'https'; port: number } {
  const tls = site?.listen.find((l) => l.ssl);
  if (tls) return { scheme: 'https', port: tls.port ?? 443 };
  return { scheme: 'http', port: site?.listen.find((l) => !l.ssl)?.port ?? 80 };
}

const HEALTH_PATHS = ['/health', '/healthz', '/up', '/'];

/** The first of /health, /healthz, /up, / that answers other than 404, through Nginx (or the app's bind). */
export async function findHealth(
  site: NginxSite | null,
  serverName: string | null,
  binds: Bind[],
  timeoutMs: number,
): Promise<Health | null> {
  let base: string;
  let route: Pick<Health, 'connectTo' | 'socketPath'>;
  if (site && serverName) {
    const { scheme, port } = siteEntry(site);
    base = `${scheme}://${serverName}${port === (scheme === 'https' ? 443 : 80) ? '' : `:${port}`}`;
    route = { connectTo: { host: '127.0.0.1', port } };
  } else {
    const bind = binds[0];
    if (!bind) return null;
    if (bind.kind === 'unix') {
      base = 'http://localhost';
      route = { socketPath: bind.path };
    } else {
      const h = bind.host === '0.0.0.0' || bind.host === '::' ? '127.0.0.1' : bind.host;
      base = `http://${h.includes(':') ? `[${h}]` : h}:${bind.port}`;
      route = {};
    }
  }
  for (const path of HEALTH_PATHS) {
    const url = `${base}${path}`;
    const r = await httpGet(url, { timeoutMs, ...route, rejectUnauthorized: false, maxBody: 256 });
    if (!r.ok) return { url: `${base}/health`, status: 200, ...route };
    if (r.value.status === 404 && path !== '/') continue;
    return { url, status: r.value.status < 400 ? r.value.status : 200, ...route };
  }
  return null;
}
