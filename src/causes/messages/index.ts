// The inventory, in one list: every program's fatal messages, tried in this order (the app servers first,
// then the libraries between the app and its services, then the system around them).
import type { Captures } from '../types.ts';
import { messages as asgiServers } from './asgi_servers.ts';
import { messages as docker } from './docker.ts';
import { messages as gunicorn } from './gunicorn.ts';
import { messages as kernel } from './kernel.ts';
import { messages as nginx } from './nginx.ts';
import { messages as postgres } from './postgres.ts';
import { messages as redis } from './redis.ts';
import { messages as systemd } from './systemd.ts';
import type { Message } from './types.ts';
import { messages as uvicorn } from './uvicorn.ts';
import { messages as uwsgi } from './uwsgi.ts';

export type { Message };

export const MESSAGES: readonly Message[] = [
  ...gunicorn,
  ...uvicorn,
  ...uwsgi,
  ...asgiServers,
  ...postgres,
  ...redis,
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
  for (const message of MESSAGES) {
    const m = message.pattern.exec(text);
    if (!m || message.unless?.test(text)) continue;
    const captures: Captures = { ...m.groups, program: message.program };
    if (message.weak) captures.weak = 'yes';
    return { message, captures };
  }
  return null;
}
