// Traffic switching through Nginx: the site proxies to `upstream medic_APP`, whose one server line lives in
// /etc/nginx/medic/APP.upstream. A switch writes that file (new file, rename), tests the whole config and
// reloads Nginx: old workers finish their requests, new ones use the new server. No request is dropped.
import { type Bind, formatBind } from '../app/bind.ts';
import { makeDir, readText, writeAtomic } from '../host/files.ts';
import { run } from '../host/run.ts';

export const UPSTREAM_DIR = '/etc/nginx/medic';
/** The request header that makes Nginx answer with the upstream it used (X-Medic-Upstream). */
export const PROBE_HEADER = 'x-medic-probe';

export const upstreamName = (app: string) => `medic_${app.replace(/\W/g, '_')}`;
export const upstreamFile = (app: string) => `${UPSTREAM_DIR}/${app}.upstream`;

/** The include file's text: the one server of `upstream medic_APP`. */
export function upstreamText(app: string, bind: Bind): string {
  return `# medic deploy: the release that serves ${app}\nserver ${formatBind(bind)};\n`;
}

export async function currentUpstream(app: string): Promise<string | null> {
  const text = await readText(upstreamFile(app));
  return text ? (/^\s*server\s+([^;\s]+)/m.exec(text)?.[1] ?? null) : null;
}

/** Points the app's upstream at `bind`, tests the config and reloads Nginx; on a bad test, puts it back. */
export async function switchUpstream(app: string, bind: Bind): Promise<void> {
  const file = upstreamFile(app);
  const before = await readText(file);
  await makeDir(UPSTREAM_DIR);
  await writeAtomic(file, upstreamText(app, bind));
  const failed = await testAndReload('the switch', async () => {
    if (before !== null) await writeAtomic(file, before);
  });
  if (failed) throw new Error(failed);
}

/**
 * `nginx -t`, then `systemctl reload nginx`; a refused test runs UNDO and reloads nothing. The failure in
 * a line ("nginx -t refused WHAT: …" or "systemctl reload nginx failed: …"), or null.
 */
export async function testAndReload(what: string, undo: () => Promise<void>): Promise<string | null> {
  const tested = await run('nginx', ['-t', '-q'], { timeoutMs: 15_000 });
  if (!tested.ok || tested.value.code !== 0) {
    await undo();
    const why = tested.ok ? tested.value.stderr.trim().split('\n').pop() : tested.error.message;
    return `nginx -t refused ${what}: ${why}`;
  }
  const reloaded = await run('systemctl', ['reload', 'nginx'], { timeoutMs: 30_000 });
  if (!reloaded.ok || reloaded.value.code !== 0)
    return `systemctl reload nginx failed: ${reloaded.ok ? reloaded.value.stderr.trim() : reloaded.error.message}`;
  return null;
}

export interface SiteChange {
  line: number;
  before: string;
  after: string;
}

/**
 * Rewrites a site for releases: proxy_pass to the app's bind goes through `upstream medic_APP` (its server
 * in the include file), paths of the app's code under ROOT go through ROOT/current, and the location answers
 * X-Medic-Upstream to a request that carries X-Medic-Probe. Shared paths (uploads) keep their place.
 */
export function convertSite(
  text: string,
  o: { app: string; bind: Bind; root: string; shared: string[] },
): { text: string; changes: SiteChange[] } {
  const name = upstreamName(o.app);
  const variable = `$${name}_upstream`;
  const target = [
    formatBind(o.bind),
    ...(o.bind.kind === 'tcp' && o.bind.host === '127.0.0.1' ? [`localhost:${o.bind.port}`] : []),
  ];
  // An upstream block of the site whose one server is the bind: its proxy_pass goes to medic's upstream too.
  for (const u of text.matchAll(/^\s*upstream\s+(\S+)\s*\{([^}]*)\}/gm)) {
    const servers = [...(u[2] ?? '').matchAll(/^\s*server\s+(\S+?)(?:\s[^;]*)?;/gm)].map((s) => s[1]);
    if (u[1] && servers.length === 1 && target.includes(servers[0] ?? '')) target.push(u[1]);
  }
  const escaped = target.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  const proxy = new RegExp(`^(\\s*proxy_pass\\s+https?://)(?:${escaped})(?::(?=/))?([^;]*);`);
  const lines = text.split('\n');
  const changes: SiteChange[] = [];
  const out: string[] = [];
  const stack: string[] = [];
  const serverHeaders: string[] = [];
  let locationHasHeader = false;
  let pendingHeaderAt = -1;
  for (const [i, line] of lines.entries()) {
    const trimmed = line.trim();
    let next = line;
    const m = proxy.exec(line);
    if (m) {
      next = `${m[1]}${name}${m[2] ?? ''};`;
      pendingHeaderAt = out.length + 1;
    } else {
      const path = /^(\s*(?:alias|root)\s+)(\S+?)(;.*)$/.exec(line);
      const p = path?.[2];
      if (path && p && (p === o.root || p.startsWith(`${o.root}/`))) {
        const rest = p.slice(o.root.length + 1);
        const top = rest.split('/')[0] ?? '';
        if (!rest.startsWith('current/') && !rest.startsWith('releases/') && !o.shared.includes(top))
          next = `${path[1]}${o.root}/current/${rest}${path[3]}`;
      }
    }
    if (next !== line) changes.push({ line: i + 1, before: line.trim(), after: next.trim() });
    if (/^add_header\s/.test(trimmed)) {
      if (stack.at(-1) === 'server') serverHeaders.push(trimmed);
      if (stack.at(-1) === 'location') locationHasHeader = true;
    }
    if (/\{\s*$/.test(trimmed)) {
      stack.push(trimmed.split(/\s+/)[0] ?? '');
      if (stack.at(-1) === 'location') locationHasHeader = false;
    }
    out.push(next);
    if (/^\}/.test(trimmed)) {
      const closed = stack.pop();
      if (closed === 'location' && pendingHeaderAt >= 0) {
        const indent = /^(\s*)/.exec(out[pendingHeaderAt - 1] ?? '')?.[1] ?? '    ';
        // A location with an add_header of its own no longer inherits the server's: repeat them.
        const inherited = locationHasHeader ? [] : serverHeaders.map((h) => `${indent}${h}`);
        const added = [...inherited, `${indent}add_header X-Medic-Upstream ${variable} always;`];
        out.splice(pendingHeaderAt, 0, ...added);
        for (const a of added) changes.push({ line: i + 1, before: '', after: a.trim() });
        pendingHeaderAt = -1;
      }
    }
  }
  if (!changes.some((c) => c.after.startsWith('proxy_pass'))) return { text, changes: [] };
  const header = [
    `# medic deploy: the release that serves ${o.app} is the server in ${upstreamFile(o.app)}`,
    `upstream ${name} {`,
    `    include ${upstreamFile(o.app)};`,
    '}',
    `map $http_${PROBE_HEADER.replace(/-/g, '_')} ${variable} {`,
    '    default "";',
    '    "~." $upstream_addr;',
    '}',
    '',
  ];
  changes.unshift(...header.filter(Boolean).map((h) => ({ line: 1, before: '', after: h.trim() })));
  return { text: `${header.join('\n')}\n${out.join('\n')}`, changes };
}
