import { type Cause, cite, unitName } from './types.ts';

export const healthCheckFailing: Cause = {
  meta: {
    id: 'health_check_failing',
    title: 'The app runs but its health check fails',
    layer: 'app',
    docs:
      'The process is up and Nginx reaches it, but the health endpoint answers an error (or is marked ' +
      'unhealthy by Docker or a load balancer): a dependency the health check tests is down, or the ' +
      'check itself is wrong.',
  },
  matchLine(event) {
    if (
      /health_status: unhealthy|\(unhealthy\)|Health check failed|health check (?:failed|failing)/i.test(
        event.text,
      )
    )
      return {};
    // What a curl health check prints when nothing answers (Docker keeps it as the check's output).
    const curl = /curl: \((?:7|28|52|56)\) (?:Failed to connect to (\S+) port (\d+)|.*)/.exec(event.text);
    return curl ? { url: curl[1] ? `http://${curl[1]}:${curl[2]}` : '', weak: 'yes' } : null;
  },
  decide(evidence) {
    const h = evidence.probes?.health;
    if (h && (h.error || (h.status !== undefined && h.status >= 400))) {
      return {
        // A symptom: any other cause found explains it better.
        confidence: 'low',
        signal: null,
        evidence: [
          `${h.url}: ${h.error ?? `HTTP ${h.status}`}${h.body ? ` ${JSON.stringify(h.body.slice(0, 120))}` : ''}`,
        ],
        captures: { url: h.url, status: String(h.status ?? '') },
      };
    }
    const s = evidence.signals.get('health_check_failing');
    return s
      ? {
          confidence: 'low',
          signal: s.first,
          evidence: [cite(s.first.origin, s.first.event)],
          captures: {},
        }
      : null;
  },
  fix(c, t) {
    return [
      `curl -sS -i ${c.url ?? 'http://127.0.0.1/health'}`,
      `journalctl -u ${unitName(t)} -n 50 --no-pager`,
    ];
  },
};
