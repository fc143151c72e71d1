import { appBinds, appServing, reaches, unanswered } from './upstream.ts';
import { formatBind } from '../app/bind.ts';
import { type Cause, cite, type Evidence, lineSignal, type UpstreamFailure, unitName } from './types.ts';

export const upstreamMismatch: Cause = {
  meta: {
    id: 'upstream_mismatch',
    title: 'Nginx sends requests to a socket or port the app does not listen on',
    layer: 'upstream',
    docs:
      "Nginx's proxy_pass (or its upstream block) and the app's --bind disagree: a renamed socket, a " +
      'port changed on one side only, a stale site config after a move to unix sockets. The app runs ' +
      'and is healthy on its own; every request through Nginx gets a 502.',
  },
  decide(evidence) {
    if (!appServing(evidence)) return null;
    const binds = appBinds(evidence);
    for (const f of unanswered(evidence)) {
      if (binds.some((b) => reaches(f.target, b))) continue;
      // Same port on another address is a bind-address problem, told apart by wrong_bind_address.
      if (
        f.target.kind === 'tcp' &&
        binds.some((b) => b.kind === 'tcp' && b.port === (f.target as { port: number }).port)
      )
        continue;
      return {
        confidence: evidence.binds.length > 0 || evidence.probes ? 'high' : 'medium',
        signal: lineSignal('upstream_mismatch', f.event, f.origin),
        evidence: [
          cite(f.origin, f.event),
          `nginx connects to ${formatBind(f.target)} (${f.errno}: ${f.reason})`,
          `the app listens on ${binds.map(formatBind).join(', ')}`,
        ],
        captures: { expected: formatBind(f.target), actual: binds.map(formatBind).join(', ') },
      };
    }
    return null;
  },
  ruledOut(evidence) {
    const f = lonelyRefusal(evidence);
    return f
      ? `nothing answers at ${formatBind(f.target)}: the app is not running there (its own log says why) or ` +
          'Nginx points at the wrong port or socket; a log of Nginx alone cannot tell which'
      : null;
  },
  fix(c, t) {
    const site = t.nginxSite ?? '/etc/nginx/sites-enabled/APP';
    return [
      `grep -n -e proxy_pass -e 'server ' ${site}   # nginx expects ${c.expected ?? '?'}`,
      `# make the two agree: point proxy_pass at ${c.actual ?? 'the bind'} (or change the app's --bind), then:`,
      `nginx -t && systemctl reload nginx`,
      `systemctl status ${unitName(t)} --no-pager | head -3`,
    ];
  },
};

/**
 * Only Nginx's side is known: it is refused and nothing says whether the app crashed or listens elsewhere.
 * In the public threads both happen (a stale port, an app that died of its own error): no guess.
 */
function lonelyRefusal(evidence: Evidence): UpstreamFailure | null {
  if (evidence.unit.crashLoop || evidence.binds.length > 0 || evidence.probes) return null;
  const f = unanswered(evidence)[0];
  if (!f || (f.target.kind === 'tcp' && f.target.host === '::1')) return null;
  return f;
}
