import { EVERY_INTERFACE } from './net_bind_address.ts';
import type { Service } from '../discover/service.ts';
import type { Listener } from '../host/listeners.ts';
import { defineCheck, fail, pass, skip } from './types.ts';

export interface Firewall {
  tool: 'ufw' | 'nft' | 'iptables';
  /** Incoming connections are dropped unless a rule allows them. */
  filtering: boolean;
  /** TCP ports a rule allows from anywhere. */
  allowed: Set<number>;
}

const UFW_APPS: Record<string, number[]> = {
  'nginx full': [80, 443],
  'nginx http': [80],
  'nginx https': [443],
  'www full': [80, 443],
  www: [80],
  'www secure': [443],
  'apache full': [80, 443],
  openssh: [22],
};

function portsOf(spec: string): number[] {
  return spec.split(',').flatMap((p) => {
    const [a, b] = p.split(':').map(Number);
    if (!Number.isInteger(a)) return [];
    if (b !== undefined && Number.isInteger(b) && (b as number) - (a as number) < 2000)
      return Array.from({ length: (b as number) - (a as number) + 1 }, (_, i) => (a as number) + i);
    return [a as number];
  });
}

/** `ufw status verbose`: active or not, the default incoming policy, and the ports allowed from anywhere. */
export function parseUfw(text: string): Firewall | null {
  const status = /^Status:\s*(\w+)/m.exec(text)?.[1];
  if (!status) return null;
  if (status !== 'active') return { tool: 'ufw', filtering: false, allowed: new Set() };
  const incoming = /^Default:\s*(\w+)\s*\(incoming\)/m.exec(text)?.[1] ?? 'deny';
  const allowed = new Set<number>();
  for (const line of text.split('\n')) {
    const m = /^(.+?)\s{2,}(ALLOW|LIMIT)(?:\s+IN)?\s{2,}Anywhere/.exec(line);
    if (!m?.[1]) continue;
    // "80/tcp", "443", "8000:8010/tcp", "22/tcp (OpenSSH)", "Nginx Full", each maybe with " (v6)"
    const to = m[1].replace(/\s*\(v6\)$/, '').trim();
    const ports = /^(\d[\d,:]*)(?:\/tcp)?(?:\s+\(.*\))?$/.exec(to);
    if (ports?.[1]) portsOf(ports[1]).forEach((p) => allowed.add(p));
    else for (const p of UFW_APPS[to.toLowerCase()] ?? []) allowed.add(p);
  }
  return { tool: 'ufw', filtering: incoming !== 'allow', allowed };
}

/** The bodies of the nftables chains hooked on input, found by brace depth (sets use braces too). */
function inputChains(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\bchain\s+\S+\s*\{/g)) {
    let depth = 1;
    let i = (m.index ?? 0) + m[0].length;
    const start = i;
    for (; i < text.length && depth > 0; i++) depth += text[i] === '{' ? 1 : text[i] === '}' ? -1 : 0;
    const body = text.slice(start, i - 1);
    if (/type filter hook input\b/.test(body)) out.push(body);
  }
  return out;
}

/** `nft list ruleset`: an input chain with policy drop (or a final drop/reject) filters; `tcp dport … accept` allows. */
export function parseNft(text: string): Firewall | null {
  if (!/\bchain\b/.test(text)) return null;
  const chains = inputChains(text);
  const filtering = chains.some(
    (c) =>
      /policy drop;/.test(c) ||
      /^\s*(?:counter(?: packets \d+ bytes \d+)?\s+)?(?:drop|reject)\b[^\n]*\s*$/.test(
        c.trimEnd().split('\n').pop() ?? '',
      ),
  );
  const allowed = new Set<number>();
  for (const c of chains)
    for (const m of c.matchAll(
      /^(?![^\n]*\b(?:ip6? saddr|iifname "?lo)\b)[^\n]*?tcp dport (\{[^}]*\}|[\d-]+)[^\n]*\baccept\b/gm,
    )) {
      const spec = (m[1] ?? '').replace(/[{}\s]/g, '').replace(/-/g, ':');
      portsOf(spec).forEach((p) => allowed.add(p));
    }
  return { tool: 'nft', filtering, allowed };
}

/** `iptables -S INPUT`: -P INPUT DROP filters; -A INPUT … --dport N … -j ACCEPT allows. */
export function parseIptables(text: string): Firewall | null {
  if (!/^-P INPUT/m.test(text)) return null;
  const filtering =
    /^-P INPUT (?:DROP|REJECT)/m.test(text) || /^-A INPUT .*-j (?:DROP|REJECT)\s*$/m.test(text);
  const allowed = new Set<number>();
  for (const m of text.matchAll(/^-A INPUT (?!.*-s )(?=.*-p tcp).*--dports? ([\d,:]+).*-j ACCEPT/gm))
    portsOf(m[1] ?? '').forEach((p) => allowed.add(p));
  return { tool: 'iptables', filtering, allowed };
}

export interface PortVerdict {
  blockedSite: number[];
  exposed: number[];
}

/** Site ports the firewall drops, and private ports (the app's, PostgreSQL's, Redis's) it lets in. */
export function judgeFirewall(
  fw: Firewall | null,
  sitePorts: number[],
  publicPrivatePorts: number[],
): PortVerdict {
  const filtering = fw?.filtering ?? false;
  const open = (p: number) => !filtering || (fw?.allowed.has(p) ?? false);
  return {
    blockedSite: sitePorts.filter((p) => !open(p)),
    exposed: publicPrivatePorts.filter((p) => open(p)),
  };
}

export interface FirewallFacts {
  service: Pick<Service, 'site' | 'binds'>;
  /** What each tool printed when it ran and exited 0; null otherwise. */
  ufw: string | null;
  nft: string | null;
  iptables: string | null;
  /** Every listening socket; null when /proc cannot be read. */
  listeners: Listener[] | null;
}

export const check = defineCheck<FirewallFacts>({
  meta: {
    id: 'firewall.public_ports',
    layer: 'firewall',
    title: 'the firewall lets 80/443 in and keeps the app, PostgreSQL and Redis ports private',
    docs: "Reads ufw, nftables or iptables rules and the listening sockets. Fails when the firewall drops a port Nginx serves the site on, or when the app's port, PostgreSQL (5432) or Redis (6379) listens on every interface with no rule keeping it private (Redis without a password on a public port is taken over within hours).",
    risk: true,
  },
  async gather(ctx) {
    const { host, service, timeoutMs } = ctx;
    const [ufw, nft, iptables, listeners] = await Promise.all([
      host.run('ufw', ['status', 'verbose'], { timeoutMs }),
      host.run('nft', ['list', 'ruleset'], { timeoutMs }),
      host.run('iptables', ['-S', 'INPUT'], { timeoutMs }),
      ctx.listeners(),
    ]);
    const ok = (r: typeof ufw) => (r.ok && r.value.code === 0 ? r.value.stdout : null);
    return { service, ufw: ok(ufw), nft: ok(nft), iptables: ok(iptables), listeners };
  },
  judge({ service, ufw, nft, iptables, listeners: all }) {
    const found = [
      ufw !== null ? parseUfw(ufw) : null,
      nft !== null ? parseNft(nft) : null,
      iptables !== null ? parseIptables(iptables) : null,
    ].filter((f): f is Firewall => f !== null);
    // ufw and iptables are front ends of nftables: the one that filters is the one in force.
    const fw = found.find((f) => f.filtering) ?? found[0] ?? null;
    if (!all) return skip('cannot read /proc/net');
    const sitePorts = service.site
      ? [...new Set(service.site.listen.map((l) => l.port).filter((p): p is number => p !== null))]
      : [];
    const privatePorts = new Set([
      5432,
      6379,
      ...service.binds.flatMap((b) => (b.kind === 'tcp' ? [b.port] : [])),
    ]);
    const publicPrivate = [
      ...new Set(
        all
          .filter((l) => l.kind === 'tcp' && EVERY_INTERFACE.has(l.address) && privatePorts.has(l.port))
          .map((l) => (l.kind === 'tcp' ? l.port : 0)),
      ),
    ].sort((a, b) => a - b);
    const v = judgeFirewall(fw, sitePorts, publicPrivate);
    const desc = fw
      ? `${fw.tool}: ${fw.filtering ? `filtering, allows ${[...fw.allowed].sort((a, b) => a - b).join(', ') || 'nothing'}` : 'not filtering'}`
      : 'no firewall rules (ufw, nft, iptables)';
    const evidence = [
      desc,
      `${service.site ? `site on ${sitePorts.join(', ')}` : 'no site'}; listening on every interface: ${publicPrivate.join(', ') || 'no private port'}`,
    ];
    if (v.blockedSite.length > 0)
      return fail(
        `the firewall drops ${v.blockedSite.join(', ')}, where Nginx serves the site`,
        evidence,
        v.blockedSite.map((p) =>
          fw?.tool === 'ufw' ? `ufw allow ${p}/tcp` : `nft add rule inet filter input tcp dport ${p} accept`,
        ),
      );
    if (v.exposed.length > 0)
      return fail(
        `port ${v.exposed.join(', ')} listens on every interface and no firewall rule keeps it private`,
        evidence,
        [
          ...v.exposed.map((p) =>
            p === 5432
              ? "listen_addresses = 'localhost' in postgresql.conf"
              : p === 6379
                ? 'bind 127.0.0.1 -::1 in /etc/redis/redis.conf'
                : `bind the app to 127.0.0.1:${p}`,
          ),
          fw?.tool === 'ufw' || !fw
            ? `ufw default deny incoming && ufw allow OpenSSH && ufw allow 'Nginx Full' && ufw enable`
            : 'drop these ports in the input chain',
        ],
      );
    return pass(
      `${sitePorts.length ? `${sitePorts.join(', ')} open` : 'no site ports'}; ${publicPrivate.length ? '' : 'app, PostgreSQL and Redis ports are local only'}`.replace(
        /; $/,
        '',
      ),
      evidence,
    );
  },
});
