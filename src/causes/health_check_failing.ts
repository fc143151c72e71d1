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
    degrades: true,
    worthMatching: /unhealthy|ealth check fail|FailingStreak|"Output": ?"|curl: \(/,
  },
  matchLine(event) {
    const t = event.text;
    if (
      /health_status: unhealthy|\(unhealthy\)|"Status": ?"unhealthy"|Health check failed|health check (?:failed|failing)|is unhealthy/i.test(
        t,
      )
    )
      return { kind: 'status' };
    // docker inspect's Health: the failing streak, and what each probe printed
    const streak = /"FailingStreak": ?([1-9]\d*)/.exec(t);
    if (streak) return { kind: 'streak', weak: 'yes' };
    const output = /"Output": ?"(.+)/.exec(t);
    if (output && !/^\\n"|^"/.test(output[1] ?? ''))
      return { kind: 'output', probe: output[1] ?? '', weak: 'yes' };
    // What a curl health check prints when nothing answers (Docker keeps it as the check's output).
    const curl = /curl: \((?:7|28|52|56)\) (?:Failed to connect to (\S+) port (\d+)|.*)/.exec(t);
    return curl ? { kind: 'output', url: curl[1] ? `http://${curl[1]}:${curl[2]}` : '', weak: 'yes' } : null;
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
    if (!s) return null;
    // Unhealthy (or failing probes in docker inspect): the first thing a probe printed says why.
    // (a curl that could not connect is a probe failing on its own: the classic health check)
    const failing =
      s.all.find((x) => x.captures.kind === 'status' || x.captures.kind === 'streak') ??
      s.all.find((x) => x.captures.url !== undefined);
    if (!failing) return null;
    const probe = s.all.find((x) => x.captures.kind === 'output') ?? failing;
    return {
      confidence: 'low',
      signal: probe,
      evidence: [...new Set([cite(failing.origin, failing.event), cite(probe.origin, probe.event)])],
      captures: probe.captures,
    };
  },
  fix(c, t) {
    return [
      `curl -sS -i ${c.url ?? 'http://127.0.0.1/health'}`,
      `journalctl -u ${unitName(t)} -n 50 --no-pager`,
    ];
  },
};
