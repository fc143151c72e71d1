import { networkInterfaces } from 'node:os';
import { isLocalAddress, type Resolution, type ResolveFailure } from '../host/dns.ts';
import type { ProbeResult } from '../host/probe.ts';
import { plainServerNames } from '../discover/service.ts';
import type { NginxSite } from '../nginx/sites.ts';
import { defineCheck, fail, pass, skip } from './types.ts';

export interface DnsFacts {
  /** Whether an Nginx site is in front of the app. */
  site: boolean;
  /** Each DNS name of the site and what the system resolver answered. */
  answers: { name: string; result: ProbeResult<Resolution, ResolveFailure> }[];
  /** The addresses of this server's interfaces. */
  ownAddresses: string[];
}

/** The site's server_names that DNS can answer for: not an IP, not a bare host name. */
export function dnsNames(site: NginxSite): string[] {
  return plainServerNames(site).filter((n) => n.includes('.') && !/^\d+\.\d+\.\d+\.\d+$/.test(n));
}

export const check = defineCheck<DnsFacts>({
  meta: {
    id: 'dns.resolves_here',
    layer: 'dns',
    title: "the site's server_name resolves to this server",
    docs: "Resolves each server_name with the system resolver and compares the addresses with this server's own. A name that points at the old server after a move, or at nothing, sends visitors elsewhere while everything here is healthy. (Behind a CDN or a load balancer, the name rightly points elsewhere: skip this check.)",
  },
  async gather(ctx) {
    const { service } = ctx;
    const names = service.site ? dnsNames(service.site) : [];
    const answers = [];
    for (const name of names) answers.push({ name, result: await ctx.resolve(name) });
    const ownAddresses = Object.values(networkInterfaces()).flatMap((l) =>
      (l ?? []).map((i) => i.address.replace(/%.*$/, '')),
    );
    return { site: service.site !== null, answers, ownAddresses };
  },
  judge({ site, answers, ownAddresses }) {
    if (!site) return skip('no Nginx site in front of the app');
    if (answers.length === 0) return skip('the site has no DNS name');
    // loopback by the host's rule, or one of the addresses gathered from this server's interfaces
    const here = (a: string) => isLocalAddress(a, {}) || ownAddresses.includes(a.replace(/%.*$/, ''));
    const problems: string[] = [];
    const evidence: string[] = [];
    for (const { name, result: r } of answers) {
      if (!r.ok) {
        problems.push(`${name} does not resolve (${r.error.kind})`);
        continue;
      }
      evidence.push(`${name} → ${r.value.addresses.join(', ')}`);
      if (!r.value.addresses.some((a) => here(a)))
        problems.push(`${name} → ${r.value.addresses.join(', ')}: not this server`);
    }
    if (problems.length > 0)
      return fail(problems.join('; '), evidence, [
        `dig +short ${answers[0]?.name}    # what the world sees`,
        'point the A/AAAA record at this server (ip -br addr) at your DNS provider, or fix /etc/hosts',
      ]);
    return pass(evidence.join(', '));
  },
});
