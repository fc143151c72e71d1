import { type Cause, fromSignal } from './types.ts';

const DNS = [
  /Could not resolve host: ([\w.-]+)/,
  /host not found in upstream "([^"]+)"/,
  /getaddrinfo (?:ENOTFOUND|EAI_AGAIN) ([\w.-]+)/,
  /\[Errno -[23]\] (?:Temporary failure in name resolution|Name or service not known)/,
  /NXDOMAIN/,
];

export const dnsMisconfigured: Cause = {
  meta: {
    id: 'dns_misconfigured',
    title: "The site's name does not resolve to this server",
    layer: 'dns',
    docs:
      'Clients never reach the server: the A/AAAA record points at an old address, a new domain was not ' +
      'added, /etc/hosts overrides it, or a name in the config (an upstream host) does not resolve.',
    worthMatching:
      /Could not resolve host|host not found in upstream|getaddrinfo|name resolution|not known|NXDOMAIN/,
  },
  matchLine(event) {
    // A bind or listen address that does not resolve is the server's own setting (bad_config_value).
    if (/\b(?:listen|bind)\b/i.test(event.text)) return null;
    for (const re of DNS) {
      const m = re.exec(event.text);
      if (m) return { name: m[1] ?? '' };
    }
    return null;
  },
  decide(evidence) {
    const d = evidence.probes?.dns;
    if (d && (d.error || !d.local)) {
      return {
        confidence: 'high',
        signal: null,
        evidence: [
          d.error
            ? `${d.name} does not resolve: ${d.error}`
            : `${d.name} resolves to ${d.addresses.join(', ')}, not an address of this server`,
        ],
        captures: { name: d.name, addresses: d.addresses.join(' ') },
      };
    }
    const found = fromSignal('dns_misconfigured', evidence, 'medium');
    // Docker's DNS forgets a container that exited: the name is right, the container is down.
    const exited = new Set(evidence.exitedContainers ?? []);
    const name = (found?.captures.name ?? '').replace(/:\d+$/, '');
    if (found && exited.has(name)) return null;
    return found;
  },
  fix(c) {
    const name = c.name || 'example.com';
    return [
      `getent ahosts ${name}; grep -n '${name}' /etc/hosts`,
      `dig +short ${name} A; dig +short ${name} AAAA; hostname -I`,
      `# point the record (or the /etc/hosts line) at this server's address`,
    ];
  },
};
