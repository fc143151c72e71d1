// Who may read the dashboard: on loopback anyone on this machine (and only through a loopback Host, so a web
// page elsewhere cannot rebind a name onto it); beyond loopback only who sends the token, as a bearer token
// or as the password of basic auth (what a browser asks for).
import { timingSafeEqual } from 'node:crypto';
import { UsageError } from '../errors.ts';

export interface ListenAddress {
  host: string;
  port: number;
}

/** HOST:PORT, [v6]:PORT or :PORT (loopback); port 0 lets the system choose. */
export function parseListen(value: string, flag: string): ListenAddress {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value.trim());
  const port = Number(m?.[3]);
  if (!m || port > 65535)
    throw new UsageError(`${flag} ${value}: give HOST:PORT, e.g. 127.0.0.1:9180 (or [::1]:9180)`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

/** Only this machine can reach it. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(h)) return h.startsWith('127.');
  return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
}

/** The host part of a Host header: "127.0.0.1:9180" → 127.0.0.1, "[::1]:9180" → ::1. */
export function hostOfHeader(header: string | null | undefined): string | null {
  if (!header) return null;
  const m = /^(?:\[([^\]]+)\]|([^:]+))(?::\d+)?$/.exec(header.trim());
  return m ? (m[1] ?? m[2] ?? null) : null;
}

/**
 * The token file's secret: one line, a token (any basic-auth user name goes with it) or USER:PASSWORD
 * (basic auth as exactly that user; the whole line is then the bearer token).
 */
export interface Credentials {
  token: string;
  user: string | null;
  password: string;
}

export function credentialsOf(text: string, file: string): Credentials {
  const line = text.split('\n').find((l) => l.trim() !== '' && !l.startsWith('#'));
  const token = line?.trim() ?? '';
  if (token.length < 8)
    throw new UsageError(
      `--token-file ${file}: put a token of at least 8 characters (or USER:PASSWORD) on one line`,
    );
  const colon = token.indexOf(':');
  return colon > 0
    ? { token, user: token.slice(0, colon), password: token.slice(colon + 1) }
    : { token, user: null, password: token };
}

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** Does this Authorization header carry the credentials? */
export function authorized(header: string | null | undefined, c: Credentials): boolean {
  if (!header) return false;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer?.[1]) return same(bearer[1], c.token);
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!basic?.[1]) return false;
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  return (c.user === null || same(user, c.user)) && same(password, c.password);
}
