// ntfy: a push to phones and desktops through a topic, published as JSON to the server's root so the
// headline may hold any character (ntfy's Title header could not).
import { postJson } from '../../host/http.ts';
import { type Alert, alertDetail, clip, severityOf } from '../alert.ts';
import {
  hostOf,
  keyOf,
  maskedSend,
  type Notifier,
  urlSecrets,
  USER_AGENT,
  withoutCredentials,
} from './notifier.ts';

export interface NtfyMessage {
  topic: string;
  title: string;
  message: string;
  /** 5 (max): an incident or a human needed; 4: a deploy that did not go live; 3: resolved. */
  priority: 3 | 4 | 5;
  tags: string[];
}

/** ntfy's server (where JSON is published) and topic, from the topic's URL: https://ntfy.sh/TOPIC. */
export function ntfyTarget(topicUrl: string): { server: string; topic: string } {
  const u = new URL(topicUrl);
  const parts = u.pathname.split('/');
  const topic = parts.pop() ?? '';
  u.pathname = `${parts.join('/')}/`;
  u.search = '';
  return { server: u.toString(), topic };
}

const TAGS = { critical: 'rotating_light', warning: 'warning', ok: 'white_check_mark' } as const;
const PRIORITY = { critical: 5, warning: 4, ok: 3 } as const;

/** A message is at most 4096 bytes before ntfy turns it into an attachment. */
export function ntfyMessage(a: Alert, topic: string): NtfyMessage {
  const severity = severityOf(a);
  return {
    topic,
    title: clip(a.headline, 250),
    message: clip(alertDetail(a), 3000),
    priority: PRIORITY[severity],
    tags: [TAGS[severity], a.service],
  };
}

export function ntfyNotifier(topicUrl: string, token: string | undefined, timeoutMs = 10_000): Notifier {
  const plain = withoutCredentials(topicUrl);
  const { server, topic } = ntfyTarget(plain.url);
  const auth = token ? { authorization: `Bearer ${token}` } : plain.headers;
  return {
    key: keyOf('ntfy', topicUrl),
    label: `ntfy ${hostOf(topicUrl)}`,
    send: maskedSend([...urlSecrets(topicUrl), topic, ...(token ? [token] : [])], (a) =>
      postJson(server, ntfyMessage(a, topic), { 'user-agent': USER_AGENT, ...auth }, timeoutMs),
    ),
  };
}
