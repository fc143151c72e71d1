import { type Captures, type Cause, fromSignal } from './types.ts';

// A client of PostgreSQL or Redis whose connection is dropped, not refused: the packets went nowhere (a
// timeout) or a firewall answered for the host (EHOSTUNREACH). "Connection refused" means nothing listens
// (db_unreachable, redis_unreachable).
const DROPPED = [
  // libpq 14+ and before: 'connection to server at "db" (10.0.0.5), port 5432 failed: Connection timed out'
  /(?:connection to server at "(?<host>[^"]{1,253})"(?: \([^)]{1,60}\))?, port (?<port>\d{1,5}) failed|could not connect to server): (?:Connection timed out|Operation timed out|timeout expired|No route to host)/,
  // redis-py: "Error 110 connecting to redis:6379. Connection timed out."
  /Error (?:110|113|60|65) connecting to (?<host>[\w.-]{1,253}):(?<port>\d{1,5})\. (?:Connection timed out|No route to host|Operation timed out)/,
  // Celery / kombu: "consumer: Cannot connect to redis://host:6379/0: Timeout connecting to server."
  /Cannot connect to (?:rediss?|amqps?):\/\/(?:[^@\s]{0,200}@)?(?<host>[\w.-]{1,253})?(?::(?<port>\d{1,5}))?[^\n]{0,300}?: (?:Timeout connecting to server|Error (?:110|113) |\[Errno (?:110|113)\])/,
];

function dropped(text: string): Captures | null {
  for (const re of DROPPED) {
    const m = re.exec(text);
    if (m) {
      const host = m.groups?.host ?? '';
      const port = m.groups?.port ?? '';
      return { target: host && port ? `${host}:${port}` : host || port, host, port };
    }
  }
  return null;
}

export const firewallBlocked: Cause = {
  meta: {
    id: 'firewall_blocked',
    title: 'A firewall drops the connection',
    layer: 'firewall',
    docs:
      'Connections time out instead of being refused: ufw/iptables/nftables or a cloud security group ' +
      'drops packets to the port (80/443 from the internet, or the upstream/database port between ' +
      'machines).',
    worthMatching:
      /timed out|timeout expired|No route to host|Timeout connecting|Error 11[03] |Errno 11[03]\]|UFW BLOCK/,
    precedes: ['db_unreachable', 'redis_unreachable'],
  },
  matchError(error) {
    for (const e of error.chain) {
      const m = dropped(e.message);
      if (m) return m;
    }
    return null;
  },
  matchLine(event) {
    const d = dropped(event.text);
    if (d) return d;
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
      ...(c.host
        ? [
            `nc -vz -w 3 ${c.host} ${c.port || port}   # from the app's host (or its container): a timeout is a drop`,
          ]
        : []),
      `ufw status verbose 2>/dev/null; nft list ruleset 2>/dev/null | head -40; iptables -S 2>/dev/null | head -40`,
      `# allow the port: ufw allow ${port}/tcp (and the cloud provider's security group)`,
    ];
  },
};
