import { type Cause, fromSignal, unitName } from './types.ts';

export const allowedHosts: Cause = {
  meta: {
    id: 'allowed_hosts',
    title: "Django rejects the site's host name: it is not in ALLOWED_HOSTS",
    layer: 'app',
    docs:
      'With DEBUG=False Django answers 400 Bad Request to every request whose Host header is not in ' +
      'ALLOWED_HOSTS: a new domain, a www. prefix, or an env file that lost the variable.',
    worthMatching: /Invalid HTTP_HOST header|Bad Request|probe failed/,
  },
  matchLine(event) {
    const m = /Invalid HTTP_HOST header: '([^']+)'/.exec(event.text);
    if (m) return { host: m[1] ?? '' };
    // django.request logs "Bad Request: /path" for a 400; with DEBUG off the usual reason is ALLOWED_HOSTS.
    // A kubelet's HTTP probe sends the pod's IP as Host: a 400 to the probe is the same refusal.
    return /django\.request\]? ?(?:WARNING )?Bad Request: \/|(?:Readiness|Liveness|Startup) probe failed: HTTP probe failed with statuscode: 400\b/.test(
      event.text,
    )
      ? { host: '', weak: 'yes' }
      : null;
  },
  matchError(error) {
    for (const e of error.chain) {
      const m = /Invalid HTTP_HOST header: '([^']+)'/.exec(e.message);
      if (m || /DisallowedHost/.test(e.type)) return { host: m?.[1] ?? '' };
    }
    return null;
  },
  decide: (evidence) => {
    const s = evidence.signals.get('allowed_hosts');
    return fromSignal('allowed_hosts', evidence, s?.first.captures.weak ? 'low' : 'high');
  },
  fix(c, t) {
    const host = c.host || 'example.com';
    const file = t.envFile ?? '/etc/APP.env';
    return [
      `grep -n ALLOWED_HOSTS ${file} ${t.workdir ? `${t.workdir}/*/settings*.py` : ''}`.trim(),
      `# add ${host} to ALLOWED_HOSTS, then:`,
      `systemctl restart ${unitName(t)}`,
    ];
  },
};
