// What every notifier is, and what keeps its address and token out of medic's logs: the errors of a send
// (which name the URL it posted to) pass through a Masker that knows the notifier's secrets.
import { createHash } from 'node:crypto';
import { Masker } from '../../report/mask.ts';
import type { Alert } from '../alert.ts';

export interface Notifier {
  /** Stable across restarts of medic: the kind and a hash of the address (never the address itself). */
  key: string;
  /** For logs: the kind and the host it talks to. */
  label: string;
  send(alert: Alert): Promise<void>;
}

export const USER_AGENT = 'medic-watch';

export function keyOf(kind: string, address: string): string {
  return `${kind}:${createHash('sha256').update(address).digest('hex').slice(0, 10)}`;
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '?';
  }
}

/** The parts of a URL that may be a secret: its password, and its path and query (a webhook's token). */
export function urlSecrets(url: string, withPath = true): string[] {
  try {
    const u = new URL(url);
    const path = `${u.pathname}${u.search}`;
    return [decodeURIComponent(u.password), ...(withPath && path !== '/' ? [path] : [])];
  } catch {
    return [url];
  }
}

/** A URL's user:password as a Basic Authorization header (Node sends no credentials from the URL). */
export function withoutCredentials(url: string): { url: string; headers: Record<string, string> } {
  const u = new URL(url);
  if (!u.username && !u.password) return { url, headers: {} };
  const pair = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
  u.username = '';
  u.password = '';
  return { url: u.toString(), headers: { authorization: `Basic ${Buffer.from(pair).toString('base64')}` } };
}

/** `send`, whose failure is one line with every secret masked. */
export function maskedSend(
  secrets: string[],
  send: (a: Alert) => Promise<void>,
): (a: Alert) => Promise<void> {
  const masker = new Masker();
  for (const s of secrets) masker.addSecret(s);
  return async (a) => {
    try {
      await send(a);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(masker.text(message.split('\n')[0] || 'failed'));
    }
  };
}
