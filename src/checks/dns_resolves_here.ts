import { isLocalAddress, resolveName } from '../host/dns.ts';
import { plainServerNames } from '../discover/service.ts';
import { fail, pass, skip, type Check } from './types.ts';

export const check: Check = {
  meta: {
    id: 'dns.resolves_here',
    layer: 'dns',
    title: "the site's server_name resolves to this server",
    docs: "Resolves each server_name with the system resolver and compares the addresses with this server's own. A name that points at the old server after a move, or at nothing, sends visitors elsewhere while everything here is healthy. (Behind a CDN or a load balancer, the name rightly points elsewhere: skip this check.)",
  },
  async run({ service, timeoutMs }) {
    const site = service.site;
    if (!site) return skip('no Nginx site in front of the app');
    const names = plainServerNames(site).filter((n) => n.includes('.') && !/^\d+\.\d+\.\d+\.\d+$/.test(n));
    if (names.length === 0) return skip('the site has no DNS name');
    const problems: string[] = [];
    const evidence: string[] = [];
    for (const name of names) {
      const r = await resolveName(name, timeoutMs);
      if (!r.ok) {
        problems.push(`${name} does not resolve (${r.error.kind})`);
        continue;
      }
      evidence.push(`${name} → ${r.value.addresses.join(', ')}`);
      if (!r.value.addresses.some((a) => isLocalAddress(a)))
        problems.push(`${name} → ${r.value.addresses.join(', ')}: not this server`);
    }
    if (problems.length > 0)
      return fail(problems.join('; '), evidence, [
        `dig +short ${names[0]}    # what the world sees`,
        'point the A/AAAA record at this server (ip -br addr) at your DNS provider, or fix /etc/hosts',
      ]);
    return pass(evidence.join(', '));
  },
};
