// The sites of a parsed nginx configuration: server blocks, what they listen on, and where their
// locations send requests (proxy_pass / uwsgi_pass resolved through upstream blocks).
import type { Directive, NginxConfig } from './config.ts';

export type UpstreamTarget = { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string };

export interface NginxListen {
  /** The address as written (brackets removed from IPv6); absent for "all addresses" (`listen 80`, `*:80`). */
  address?: string;
  /** null for a unix-socket listener, whose path is then in `unix`. */
  port: number | null;
  unix?: string;
  ssl: boolean;
  http2?: boolean;
  defaultServer?: boolean;
}

export type LocationModifier = '=' | '~' | '~*' | '^~';

export interface NginxLocation {
  /** The prefix, exact path, regex, or `@name` of a named location. */
  path: string;
  modifier?: LocationModifier;
  proxyPass?: string;
  uwsgiPass?: string;
  alias?: string;
  root?: string;
  tryFiles?: string[];
  /** Where proxy_pass / uwsgi_pass send requests; empty when the target is built from variables. */
  upstream: UpstreamTarget[];
  /** The upstream block proxy_pass / uwsgi_pass names, if it names one. */
  upstreamName?: string;
  file: string;
  line: number;
}

export interface NginxSite {
  /** server_name values, in order; empty when the block has none (nginx then matches the empty name). */
  serverNames: string[];
  listen: NginxListen[];
  certificate?: string;
  certificateKey?: string;
  root?: string;
  /** Every location, nested ones included, in the order written. */
  locations: NginxLocation[];
  file: string;
  line: number;
}

export interface SiteUpstream {
  location: string;
  target: UpstreamTarget;
  via: 'proxy_pass' | 'uwsgi_pass';
  upstreamName?: string;
}

/** Upstream blocks by name. */
export type Upstreams = Map<string, UpstreamTarget[]>;

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443 };

function first(block: Directive[], name: string): Directive | undefined {
  return block.find((d) => d.name === name);
}

function arg(block: Directive[], name: string): string | undefined {
  return first(block, name)?.args[0];
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** "127.0.0.1:8000", "[::1]:8000", "name", "unix:/run/x.sock" as written in upstream servers and listen. */
function hostPort(text: string, defaultPort: number): { host: string; port: number } | null {
  let host = text;
  let port = defaultPort;
  const v6 = /^\[([^\]]*)\](?::(\d+))?$/.exec(text);
  if (v6) {
    host = v6[1] as string;
    if (v6[2] !== undefined) port = Number(v6[2]);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon !== -1) {
      if (!/^\d+$/.test(text.slice(colon + 1))) return null;
      host = text.slice(0, colon);
      port = Number(text.slice(colon + 1));
    }
  }
  if (host === '' || port > 65535) return null;
  return { host, port };
}

/** An upstream block's `server` address; nginx gives upstream servers port 80 when none is written. */
function upstreamServer(address: string): UpstreamTarget | null {
  if (address.startsWith('unix:')) return { kind: 'unix', path: address.slice(5) };
  const hp = hostPort(address, 80);
  return hp ? { kind: 'tcp', ...hp } : null;
}

/** The upstream blocks of a configuration, with the servers that can receive requests. */
export function upstreamsOf(directives: Directive[]): Upstreams {
  const upstreams: Upstreams = new Map();
  const visit = (block: Directive[]) => {
    for (const d of block) {
      if (d.name === 'upstream' && d.block && d.args[0] !== undefined) {
        const targets: UpstreamTarget[] = [];
        for (const s of d.block) {
          // A server marked "down" never receives requests.
          if (s.name !== 'server' || s.args.includes('down') || s.args[0] === undefined) continue;
          const target = upstreamServer(s.args[0]);
          if (target) targets.push(target);
        }
        upstreams.set(d.args[0], targets);
      } else if (d.name === 'http' && d.block) {
        visit(d.block);
      }
    }
  };
  visit(directives);
  return upstreams;
}

/**
 * Where a proxy_pass / uwsgi_pass argument sends requests. "http://unix:/run/x.sock:/path" names the
 * socket up to the colon before the URI; "http://name" without a port names an upstream block if one exists.
 */
export function resolvePass(
  value: string,
  upstreams: Upstreams,
  via: 'proxy_pass' | 'uwsgi_pass' = 'proxy_pass',
): { targets: UpstreamTarget[]; upstreamName?: string } {
  const scheme = /^([a-z]+):\/\//i.exec(value);
  const schemeName = scheme ? (scheme[1] as string).toLowerCase() : undefined;
  const rest = scheme ? value.slice(scheme[0].length) : value;
  if (rest.startsWith('unix:')) {
    const colon = rest.indexOf(':', 5);
    const path = colon === -1 ? rest.slice(5) : rest.slice(5, colon);
    return path.includes('$') || path === '' ? { targets: [] } : { targets: [{ kind: 'unix', path }] };
  }
  // "http://127.0.0.1:8000$request_uri": a variable right after the port belongs to the URI.
  const beforeVariable = /^((?:\[[^\]]*\]|[^:/$?]+):\d+)\$/.exec(rest);
  const authority = beforeVariable ? (beforeVariable[1] as string) : (/^[^/?]*/.exec(rest)?.[0] ?? '');
  if (authority.includes('$') || authority === '') return { targets: [] };
  const named = upstreams.get(authority);
  if (named) return { targets: named, upstreamName: authority };
  const defaultPort = schemeName ? DEFAULT_PORTS[schemeName] : undefined;
  const explicitPort = /^(\[[^\]]*\]|[^:]*):\d+$/.test(authority);
  // uwsgi_pass without a port and without an upstream block of that name is refused by nginx.
  if (!explicitPort && defaultPort === undefined && via === 'uwsgi_pass') return { targets: [] };
  const hp = hostPort(authority, defaultPort ?? 80);
  return hp ? { targets: [{ kind: 'tcp', host: stripBrackets(hp.host), port: hp.port }] } : { targets: [] };
}

function parseListen(args: string[]): NginxListen | null {
  const [address, ...params] = args;
  if (address === undefined) return null;
  const listen: NginxListen = { port: 80, ssl: params.includes('ssl') };
  if (params.includes('http2')) listen.http2 = true;
  // "default" is the spelling of nginx before 0.8.21, still accepted.
  if (params.includes('default_server') || params.includes('default')) listen.defaultServer = true;
  if (address.startsWith('unix:')) return { ...listen, port: null, unix: address.slice(5) };
  // "listen ${LISTEN_PORT}" in a template for envsubst: where it listens is not written yet.
  if (address.includes('$')) return null;
  if (/^\d+$/.test(address)) return { ...listen, port: Number(address) };
  const hp = hostPort(address, 80);
  if (!hp) return null;
  const host = stripBrackets(hp.host);
  return host === '*' ? { ...listen, port: hp.port } : { ...listen, address: host, port: hp.port };
}

function parseLocation(args: string[]): { path: string; modifier?: LocationModifier } {
  if (args.length >= 2) {
    const modifier = args[0] as string;
    const path = args[1] as string;
    if (modifier === '=' || modifier === '~' || modifier === '~*' || modifier === '^~')
      return { path, modifier };
    return { path: args.join(' ') };
  }
  // nginx also accepts the modifier glued to the path: "location =/50x.html".
  const only = args[0] ?? '';
  for (const modifier of ['^~', '~*', '=', '~'] as const) {
    if (only.startsWith(modifier) && only.length > modifier.length) {
      return { path: only.slice(modifier.length), modifier };
    }
  }
  return { path: only };
}

/** A location's own directives plus those inside its `if` and `limit_except` blocks, not nested locations. */
function ownDirectives(block: Directive[]): Directive[] {
  const out: Directive[] = [];
  for (const d of block) {
    if (d.name === 'location') continue;
    out.push(d);
    if (d.block && (d.name === 'if' || d.name === 'limit_except')) out.push(...ownDirectives(d.block));
  }
  return out;
}

function locationsOf(block: Directive[], upstreams: Upstreams): NginxLocation[] {
  const out: NginxLocation[] = [];
  for (const d of block) {
    if (d.name !== 'location' || !d.block) continue;
    const own = ownDirectives(d.block);
    const location: NginxLocation = { ...parseLocation(d.args), upstream: [], file: d.file, line: d.line };
    const proxyPass = arg(own, 'proxy_pass');
    const uwsgiPass = arg(own, 'uwsgi_pass');
    const alias = arg(own, 'alias');
    const root = arg(own, 'root');
    const tryFiles = first(own, 'try_files')?.args;
    if (proxyPass !== undefined) location.proxyPass = proxyPass;
    if (uwsgiPass !== undefined) location.uwsgiPass = uwsgiPass;
    if (alias !== undefined) location.alias = alias;
    if (root !== undefined) location.root = root;
    if (tryFiles !== undefined) location.tryFiles = tryFiles;
    const pass = proxyPass ?? uwsgiPass;
    if (pass !== undefined) {
      const resolved = resolvePass(pass, upstreams, proxyPass !== undefined ? 'proxy_pass' : 'uwsgi_pass');
      location.upstream = resolved.targets;
      if (resolved.upstreamName !== undefined) location.upstreamName = resolved.upstreamName;
    }
    out.push(location, ...locationsOf(d.block, upstreams));
  }
  return out;
}

interface Inherited {
  certificate?: string;
  certificateKey?: string;
  root?: string;
  http2?: boolean;
}

function siteOf(server: Directive, inherited: Inherited, upstreams: Upstreams): NginxSite {
  const block = server.block ?? [];
  const listenDirectives = block.filter((d) => d.name === 'listen');
  const listen = listenDirectives.map((d) => parseListen(d.args)).filter((l): l is NginxListen => l !== null);
  // A server without listen accepts on *:80 (when nginx runs as root, as it does in front of apps).
  if (listenDirectives.length === 0) listen.push({ port: 80, ssl: false });
  // "ssl on" (removed in 1.25.1) and "http2 on" (since 1.25.1) apply to every listen of the server.
  if (arg(block, 'ssl') === 'on') for (const l of listen) l.ssl = true;
  const http2 = arg(block, 'http2');
  if (http2 === 'on' || (http2 === undefined && inherited.http2)) for (const l of listen) l.http2 = true;
  const site: NginxSite = {
    serverNames: block.filter((d) => d.name === 'server_name').flatMap((d) => d.args),
    listen,
    locations: locationsOf(block, upstreams),
    file: server.file,
    line: server.line,
  };
  const certificate = arg(block, 'ssl_certificate') ?? inherited.certificate;
  const certificateKey = arg(block, 'ssl_certificate_key') ?? inherited.certificateKey;
  const root = arg(block, 'root') ?? inherited.root;
  if (certificate !== undefined) site.certificate = certificate;
  if (certificateKey !== undefined) site.certificateKey = certificateKey;
  if (root !== undefined) site.root = root;
  return site;
}

/**
 * The HTTP sites of a configuration: server blocks inside `http`, or at the top of a lone site file
 * (a sites-available file parsed by itself). stream and mail servers are not sites.
 */
export function sitesOf(config: NginxConfig | Directive[]): NginxSite[] {
  const directives = Array.isArray(config) ? config : config.directives;
  const upstreams = upstreamsOf(directives);
  const sites: NginxSite[] = [];
  const collect = (block: Directive[], inherited: Inherited) => {
    for (const d of block) {
      if (d.name === 'server' && d.block) sites.push(siteOf(d, inherited, upstreams));
    }
  };
  collect(directives, {});
  for (const http of directives.filter((d) => d.name === 'http' && d.block)) {
    const block = http.block ?? [];
    const inherited: Inherited = {};
    const certificate = arg(block, 'ssl_certificate');
    const certificateKey = arg(block, 'ssl_certificate_key');
    const root = arg(block, 'root');
    if (certificate !== undefined) inherited.certificate = certificate;
    if (certificateKey !== undefined) inherited.certificateKey = certificateKey;
    if (root !== undefined) inherited.root = root;
    if (arg(block, 'http2') === 'on') inherited.http2 = true;
    collect(block, inherited);
  }
  return sites;
}

/** Where the site's locations send requests, one entry per location and target. */
export function upstreamOf(site: NginxSite): SiteUpstream[] {
  return site.locations.flatMap((location) =>
    location.upstream.map((target) => {
      const entry: SiteUpstream = {
        location: location.path,
        target,
        via: location.proxyPass !== undefined ? 'proxy_pass' : 'uwsgi_pass',
      };
      if (location.upstreamName !== undefined) entry.upstreamName = location.upstreamName;
      return entry;
    }),
  );
}

const LOOPBACK_NAMES = new Set(['localhost', 'ip6-localhost', 'localhost.localdomain']);

function normalizeHost(host: string): string {
  const h = stripBrackets(host.toLowerCase());
  return h.startsWith('::ffff:') && h.includes('.') ? h.slice(7) : h;
}

function isIpv6Literal(host: string): boolean {
  return host.includes(':');
}

function normalizePath(path: string): string {
  return path.replace(/\/+/g, '/').replace(/\/\.\//g, '/');
}

/**
 * Whether a connection nginx opens to `target` arrives at a server listening on `bind`.
 * Unix sockets: the same path. TCP: the same port, and
 * - a bind on "::" (or "*") accepts every address: Linux sockets on "::" are dual-stack by default;
 * - a bind on "0.0.0.0" (or "") accepts every IPv4 address and names, not IPv6 literals;
 * - a bind on a loopback address (127.0.0.1, ::1) or on "localhost" accepts that address and "localhost",
 *   which nginx resolves to both loopback addresses and tries in turn;
 * - a target of 0.0.0.0 or "::" reaches the local host, as a connect() to them does on Linux;
 * - any other address or name matches only itself: a name may resolve to another host.
 */
export function reaches(target: UpstreamTarget, bind: UpstreamTarget): boolean {
  if (target.kind === 'unix' || bind.kind === 'unix') {
    return (
      target.kind === 'unix' &&
      bind.kind === 'unix' &&
      normalizePath(target.path) === normalizePath(bind.path)
    );
  }
  if (target.port !== bind.port) return false;
  let to = normalizeHost(target.host);
  const on = normalizeHost(bind.host);
  if (to === '0.0.0.0') to = '127.0.0.1';
  if (to === '::') to = '::1';
  if (on === '::' || on === '*') return true;
  if (on === '' || on === '0.0.0.0') return !isIpv6Literal(to);
  const loopbackTarget = LOOPBACK_NAMES.has(to);
  if (LOOPBACK_NAMES.has(on)) return loopbackTarget || to === '::1' || /^127\./.test(to);
  if (on === '127.0.0.1' || on === '::1') return to === on || loopbackTarget;
  return to === on;
}

/** The sites whose locations send requests to the app listening on `bind`; see `reaches` for the rule. */
export function siteForBind(sites: NginxSite[], bind: UpstreamTarget): NginxSite[] {
  return sites.filter((site) => upstreamOf(site).some((u) => reaches(u.target, bind)));
}
