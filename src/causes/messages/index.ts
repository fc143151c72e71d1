// The inventory, in one list: every program's fatal messages, tried in this order (the app servers first,
// then the libraries between the app and its services, then the system around them).
import type { Captures } from '../types.ts';
import { messages as asgiServers } from './asgi_servers.ts';
import { messages as docker } from './docker.ts';
import { messages as frameworks } from './frameworks.ts';
import { messages as gunicorn } from './gunicorn.ts';
import { messages as kernel } from './kernel.ts';
import { messages as nginx } from './nginx.ts';
import { messages as postgres } from './postgres.ts';
import { messages as python } from './python.ts';
import { messages as redis } from './redis.ts';
import { messages as systemd } from './systemd.ts';
import type { Message } from './types.ts';
import { messages as uvicorn } from './uvicorn.ts';
import { messages as uwsgi } from './uwsgi.ts';
import { messages as workers } from './workers.ts';

export type { Message };

export const MESSAGES: readonly Message[] = [
  ...gunicorn,
  ...uvicorn,
  ...uwsgi,
  ...asgiServers,
  ...frameworks,
  ...workers,
  ...postgres,
  ...redis,
  ...python,
  ...nginx,
  ...systemd,
  ...kernel,
  ...docker,
];

export interface MessageMatch {
  message: Message;
  captures: Captures;
}

/** The first message of the inventory that TEXT prints, with the values it captured. */
export function matchMessage(text: string): MessageMatch | null {
  // A message is at most a few hundred characters: a 64 KB line is read by its head.
  const head = text.length > 8192 ? text.slice(0, 8192) : text;
  for (const message of MESSAGES) {
    const m = message.pattern.exec(head);
    if (!m || message.unless?.test(head)) continue;
    const captures: Captures = { ...m.groups, program: message.program };
    if (message.weak) captures.weak = 'yes';
    return { message, captures };
  }
  return null;
}

/** The longest piece of a template that every printing of it carries: the words between its placeholders. */
export function anchorOf(template: string): string {
  const pieces = template
    .split(/%(?:\([\w]+\))?[-#0 +]*\d*(?:\.\d+)?[hlLqjzt]*[a-zA-Z%]|\{[^}]*\}|\.\.\./)
    .map((p) => p.trim());
  return pieces.reduce((a, b) => (b.length > a.length ? b : a), '');
}

/**
 * A cheap first test for a line, before any pattern runs: does it carry the fixed words of some message
 * of the inventory? Most lines of a big log carry none.
 */
export const MESSAGE_ANCHORS = new RegExp(
  [...new Set(MESSAGES.map((m) => anchorOf(m.template)).filter((a) => a.length >= 6))]
    .map((a) => a.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('|'),
);
