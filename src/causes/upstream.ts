// What Nginx's failures to reach the app mean, read together with where the app says it listens.
import { type Bind, formatBind, parseBind } from '../app/bind.ts';
import type { Evidence, UpstreamFailure } from './types.ts';

// One rule for "does Nginx's target reach the app's bind", the one `siteForBind` uses too.
export { reaches } from '../nginx/sites.ts';

// 'connect() to unix:/run/x.sock failed (2: No such file or directory) while connecting to upstream, ... upstream: "http://unix:/run/x.sock:/health"'
// 'connect() failed (111: Connection refused) while connecting to upstream, ... upstream: "http://127.0.0.1:8000/health"'
const FAILURE =
  /(?:connect\(\) to (unix:\S+?) failed|connect\(\) failed|upstream timed out) \((\d+): ([^)]*)\) while connecting to upstream.*?upstream: "[a-z]+:\/\/(unix:[^":]+|[^/"]+)(?::\/[^"]*|\/[^"]*)?"/;

export function parseUpstreamFailure(text: string): { target: Bind; errno: number; reason: string } | null {
  const m = FAILURE.exec(text);
  if (!m) return null;
  const raw = m[1] ?? m[4] ?? '';
  // Nginx writes the peer it tried, port included.
  const target = parseBind(raw, null, null);
  if (!target) return null;
  return { target, errno: Number(m[2]), reason: m[3] ?? '' };
}

/** The failures that say Nginx knocks at a door the app does not open: refused, or no such socket. */
export function unanswered(evidence: Evidence): UpstreamFailure[] {
  const binds = appBinds(evidence);
  return evidence.upstreamFailures.filter(
    (f) =>
      (f.errno === 111 || f.errno === 2) &&
      // Refusals while the app was still starting (before its last start) are history.
      (evidence.unit.crashLoop ||
        f.origin === 'probe' ||
        !evidence.lastStart ||
        !f.event.time ||
        Date.parse(f.event.time) >= Date.parse(evidence.lastStart) - 1000) &&
      (binds.length === 0 || binds.some((b) => aimedAt(f, b, evidence.unit.name))),
  );
}

/**
 * Could Nginx have meant this app? A socket beside its socket; its port; or, for another port, a site
 * named like the unit (Nginx's error log also holds the other sites' failures).
 */
function aimedAt(f: UpstreamFailure, bind: Bind, unit: string | null): boolean {
  const target = f.target;
  if (target.kind === 'unix' && bind.kind === 'unix') return dirOf(target.path) === dirOf(bind.path);
  if (target.kind !== 'tcp' || bind.kind !== 'tcp') return false;
  if (target.port === bind.port || f.origin === 'probe') return true;
  const base = unit?.replace(/\.service$/, '');
  if (!base) return false;
  const site = / server: ([\w.-]+)| host: "([\w.-]+)/.exec(f.event.text);
  return (site?.[1] ?? site?.[2] ?? '').split('.').includes(base);
}

function dirOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}

/** The app's binds, from its own log lines or from the live unit. */
export function appBinds(evidence: Evidence): Bind[] {
  return evidence.binds.length > 0 ? evidence.binds : evidence.target.binds;
}

/** The app is up and listening: otherwise a refused upstream is the app's crash, not a mismatch. */
export function appServing(evidence: Evidence): boolean {
  if (evidence.unit.crashLoop) return false;
  if (evidence.unit.active && evidence.unit.active !== 'active') return false;
  return appBinds(evidence).length > 0;
}

const ERRNO: Record<string, number> = { refused: 111, not_found: 2, permission: 13, timeout: 110 };

/**
 * medic's own connection to Nginx's upstream that failed, written as Nginx would log it, so the causes read
 * it as they read Nginx's line; null for a failure Nginx would not report this way.
 */
export function upstreamFailureOf(target: Bind, result: string, now: Date): UpstreamFailure | null {
  const errno = ERRNO[result];
  if (!errno) return null;
  return {
    target,
    errno,
    reason: result,
    event: {
      time: now.toISOString(),
      source: 'probe',
      unit: 'medic',
      pid: null,
      level: 'error',
      text: `medic: connect() to ${formatBind(target)} failed (${errno}: ${result}) while connecting to upstream`,
      line: 0,
    },
    origin: 'probe',
  };
}
