import { type Cause, cite, lineSignal, unitName } from './types.ts';
import { appBinds, appServing, reaches, unanswered } from './upstream.ts';
import { formatBind } from '../app/bind.ts';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export const wrongBindAddress: Cause = {
  meta: {
    id: 'wrong_bind_address',
    title: 'The app listens on the right port but on another address than its clients connect to',
    layer: 'upstream',
    docs:
      'The port matches but the address does not: the app binds [::1] or a public address while Nginx ' +
      'connects to 127.0.0.1; Nginx resolves "localhost" to ::1 while the app listens on IPv4 only; or, ' +
      'in a container, the app binds 127.0.0.1 so nothing outside the container can reach it.',
  },
  decide(evidence) {
    const binds = appBinds(evidence);
    if (appServing(evidence)) {
      for (const f of unanswered(evidence)) {
        const target = f.target;
        if (target.kind !== 'tcp' || binds.some((b) => reaches(target, b))) continue;
        const samePort = binds.filter((b) => b.kind === 'tcp' && b.port === target.port);
        if (samePort.length === 0) continue;
        return {
          confidence: 'high',
          signal: lineSignal('wrong_bind_address', f.event, f.origin),
          evidence: [
            cite(f.origin, f.event),
            `nginx connects to ${formatBind(target)}; the app listens on ${samePort.map(formatBind).join(', ')}`,
          ],
          captures: {
            expected: formatBind(target),
            actual: samePort.map(formatBind).join(', '),
            port: String(target.port),
          },
        };
      }
    }
    // In a container, a loopback bind cannot be reached through the published port.
    const loop = evidence.bindEvents.find((b) => b.bind.kind === 'tcp' && LOOPBACK.has(b.bind.host));
    if (evidence.inContainer && loop && loop.bind.kind === 'tcp') {
      return {
        confidence: 'medium',
        signal: lineSignal('wrong_bind_address', loop.event, loop.origin),
        evidence: [
          cite(loop.origin, loop.event),
          'inside a container, a server on 127.0.0.1 is unreachable through the published port',
        ],
        captures: {
          expected: `0.0.0.0:${loop.bind.port}`,
          actual: formatBind(loop.bind),
          port: String(loop.bind.port),
        },
      };
    }
    // Nginx resolved "localhost" to ::1 and nothing listens there: the app is IPv4-only.
    const v6 = unanswered(evidence).find(
      (f) => f.errno === 111 && f.target.kind === 'tcp' && f.target.host === '::1',
    );
    if (v6 && v6.target.kind === 'tcp' && !binds.some((b) => reaches(v6.target, b))) {
      return {
        confidence: 'medium',
        signal: lineSignal('wrong_bind_address', v6.event, v6.origin),
        evidence: [
          cite(v6.origin, v6.event),
          'nginx connects to [::1] (localhost resolved to IPv6); the app listens on IPv4',
        ],
        captures: {
          expected: `127.0.0.1:${v6.target.port}`,
          actual: formatBind(v6.target),
          port: String(v6.target.port),
        },
      };
    }
    return null;
  },
  fix(c, t) {
    return [
      `ss -ltnp 'sport = :${c.port ?? 'PORT'}'`,
      `# make them meet: bind the app to ${c.expected ?? '127.0.0.1:PORT'}, or point proxy_pass at the address it listens on (127.0.0.1 rather than localhost), then:`,
      `systemctl restart ${unitName(t)}   # or: docker run ... with the server bound to 0.0.0.0`,
    ];
  },
};
