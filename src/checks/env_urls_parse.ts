import type { Service } from '../discover/service.ts';
import { defineCheck, fail, pass, skip } from './types.ts';

const URL_NAME = /(?:_URL|_URI|_DSN|^DATABASE|_BROKER)$/;

/**
 * What is wrong with a service URL the way Python's urllib.parse reads it (Django, SQLAlchemy, redis-py and
 * Celery all do): the netloc ends at the first "/", "?" or "#", so an unescaped one in a password cuts the
 * URL there; the port must be a number. null when it parses.
 */
export function urlProblem(value: string): string | null {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(value.trim());
  if (!m) return 'it is not a URL (scheme://…)';
  const rest = m[2] ?? '';
  const end = rest.search(/[/?#]/);
  const netloc = end < 0 ? rest : rest.slice(0, end);
  const after = end < 0 ? '' : rest.slice(end);
  const at = netloc.lastIndexOf('@');
  const hostport = at >= 0 ? netloc.slice(at + 1) : netloc;
  if (at < 0 && /@/.test(after))
    return 'the password holds a "/", "?" or "#" that is not percent-encoded: the host is read from the middle of the password';
  if (/^\[/.test(hostport)) {
    if (!/^\[[0-9a-f:.]+\](?::\d*)?$/i.test(hostport))
      return `the host "${hostport}" is not a valid IPv6 address`;
    return null;
  }
  const colon = hostport.lastIndexOf(':');
  if (colon >= 0) {
    const port = hostport.slice(colon + 1);
    if (port !== '' && !/^\d+$/.test(port))
      return 'the port is not a number (a ":" in the password that is not percent-encoded?)';
    if (port !== '' && Number(port) > 65535) return `the port ${port} is out of range`;
  }
  const host = colon >= 0 ? hostport.slice(0, colon) : hostport;
  if (
    !host &&
    !/^(?:sqlite|file)/i.test(m[1] ?? '') &&
    !/host=|\/%2F|^\/\//.test(after) &&
    !/^redis\+socket|unix/i.test(m[1] ?? '')
  )
    return 'it names no host';
  return null;
}

export interface UrlsFacts {
  service: Pick<Service, 'env' | 'envSource' | 'envFiles' | 'unit'>;
}

export const check = defineCheck<UrlsFacts>({
  meta: {
    id: 'env.urls_parse',
    layer: 'app',
    title: 'the service URLs in the environment parse (DATABASE_URL, REDIS_URL, …)',
    docs: 'A rotated password with an unescaped "/", "@", "?" or ":" makes the URL parse to another host or a non-numeric port ("Port could not be cast to integer value"), and the app dies at import. Parsed the way Python\'s urllib does; values are never shown.',
    gatesDeploy: true,
  },
  async gather({ service }) {
    return { service };
  },
  judge({ service }) {
    const urls = Object.entries(service.env).filter(
      ([k, v]) => URL_NAME.test(k) || /^[a-z][a-z0-9+.-]*:\/\/\S/i.test(v),
    );
    if (urls.length === 0) return skip('no URL in the unit environment');
    const bad = urls.flatMap(([k, v]) => {
      const p = urlProblem(v);
      return p ? [{ name: k, problem: p }] : [];
    });
    const [one] = bad;
    if (one)
      return fail(
        bad.length === 1 ? `${one.name} does not parse: ${one.problem}` : `${bad.length} URLs do not parse`,
        bad.map((b) => `${b.name} (${service.envSource[b.name] ?? 'environment'}): ${b.problem}`),
        [
          `python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' 'THE-PASSWORD'    # percent-encode it`,
          `edit the URL in ${service.envFiles[0]?.path ?? 'the env file'}, then: systemctl restart ${service.unit}`,
        ],
      );
    return pass(`${urls.map(([k]) => k).join(', ')} parse`);
  },
});
