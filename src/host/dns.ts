import { lookup, Resolver } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { codeOf, messageOf, probe, type ProbeError, type ProbeResult } from './probe.ts';

/** `not_found`: the name does not exist (ENOTFOUND); `temporary`: no answer now (EAI_AGAIN). */
export type ResolveFailure = 'not_found' | 'temporary' | 'timeout' | 'other';

export type Resolution = {
  name: string;
  /** What the system resolver returns (getaddrinfo: /etc/hosts first), as curl and nginx see it. */
  addresses: string[];
  /**
   * What the DNS servers answer, present only when it differs from `addresses` (an /etc/hosts
   * override, a stale record); empty when DNS has no record the system resolver found elsewhere.
   */
  dnsAddresses?: string[];
};

/** Resolves a host name the way the server's own clients will, and notes where DNS disagrees. */
export function resolveName(
  name: string,
  timeoutMs: number,
): Promise<ProbeResult<Resolution, ResolveFailure>> {
  return probe(
    timeoutMs,
    async () => {
      const start = performance.now();
      const found = await lookup(name, { all: true, order: 'verbatim' });
      const addresses = unique(found.map((a) => a.address));
      if (isIP(name)) return { name, addresses };
      // The comparison with DNS is a bonus: it gets what is left of the budget, never fails the probe.
      const budget = Math.floor(timeoutMs - (performance.now() - start) - 20);
      const dnsAddresses = budget > 0 ? await askDns(name, budget) : undefined;
      if (dnsAddresses === undefined || sameSet(dnsAddresses, addresses)) return { name, addresses };
      return { name, addresses, dnsAddresses };
    },
    (err) => classifyDnsError(err, name),
    name,
  );
}

/** The A and AAAA records from the configured DNS servers; undefined when they could not answer. */
async function askDns(name: string, timeoutMs: number): Promise<string[] | undefined> {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
  const timer = setTimeout(() => resolver.cancel(), timeoutMs);
  const answers = await Promise.allSettled([resolver.resolve4(name), resolver.resolve6(name)]);
  clearTimeout(timer);
  const addresses = answers.flatMap((a) => (a.status === 'fulfilled' ? a.value : []));
  if (addresses.length > 0) return unique(addresses);
  // "No such name" is an answer; a server that did not reply is not.
  const noRecord = answers.every(
    (a) => a.status === 'rejected' && ['ENOTFOUND', 'ENODATA'].includes(codeOf(a.reason) ?? ''),
  );
  return noRecord ? [] : undefined;
}

export function classifyDnsError(err: unknown, name: string): ProbeError<ResolveFailure> {
  switch (codeOf(err)) {
    case 'ENOTFOUND':
    case 'ENODATA':
    case 'EAI_NONAME':
      return { kind: 'not_found', message: `${name} does not resolve: no such name` };
    case 'EAI_AGAIN':
    case 'ESERVFAIL':
    case 'ECONNREFUSED':
      return { kind: 'temporary', message: `${name}: the DNS server gave no answer now (try again later)` };
    case 'ETIMEOUT':
      return { kind: 'timeout', message: `${name}: the DNS server did not answer in time` };
    default:
      return { kind: 'other', message: `${name}: ${messageOf(err)}` };
  }
}

/**
 * Whether an address belongs to this machine: loopback (127.0.0.0/8, ::1, their v4-mapped forms)
 * or an address of one of its interfaces. The unspecified address (0.0.0.0, ::) is not.
 */
export function isLocalAddress(
  address: string,
  interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces(),
): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 0) return false;
  const local = new BlockList();
  local.addSubnet('127.0.0.0', 8, 'ipv4');
  local.addAddress('::1', 'ipv6');
  for (const list of Object.values(interfaces)) {
    for (const info of list ?? []) {
      const own = info.address.replace(/%.*$/, '');
      if (isIP(own)) local.addAddress(own, info.family === 'IPv4' ? 'ipv4' : 'ipv6');
    }
  }
  return local.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
