import { type Cause, fromSignal } from './types.ts';

export const firewallBlocked: Cause = {
  meta: {
    id: 'firewall_blocked',
    title: 'A firewall drops the connection',
    layer: 'firewall',
    docs:
      'Connections time out instead of being refused: ufw/iptables/nftables or a cloud security group ' +
      'drops packets to the port (80/443 from the internet, or the upstream/database port between ' +
      'machines).',
  },
  matchLine(event) {
    const m =
      /\((?:110: Connection timed out|113: No route to host)\) while connecting to upstream.*upstream: "\w+:\/\/([^/"]+)/.exec(
        event.text,
      ) ?? /\[UFW BLOCK\].*DPT=(\d+)/.exec(event.text);
    return m ? { target: m[1] ?? '' } : null;
  },
  decide: (evidence) => fromSignal('firewall_blocked', evidence, 'medium'),
  fix(c) {
    const port = /:(\d+)$/.exec(c.target ?? '')?.[1] ?? c.target ?? 'PORT';
    return [
      `ufw status verbose 2>/dev/null; nft list ruleset 2>/dev/null | head -40; iptables -S 2>/dev/null | head -40`,
      `# allow the port: ufw allow ${port}/tcp (and the cloud provider's security group)`,
    ];
  },
};
