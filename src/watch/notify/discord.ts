// Discord: an incoming webhook's message, the headline as its text (what the notification shows) and the
// whole alert in a coloured embed.
import { postJson } from '../../host/http.ts';
import { type Alert, alertDetail, clip, severityOf } from '../alert.ts';
import { hostOf, keyOf, maskedSend, type Notifier, urlSecrets, USER_AGENT } from './notifier.ts';

export interface DiscordMessage {
  username: string;
  content: string;
  embeds: { description: string; color: number; timestamp: string }[];
  /** No @everyone or @role from a log line. */
  allowed_mentions: { parse: never[] };
}

const COLOR = { critical: 0xd83c3e, warning: 0xf0a020, ok: 0x2e9d5b } as const;

export function discordMessage(a: Alert): DiscordMessage {
  // an embed's description holds 4096 characters; a ``` in a log line would end the code block early
  const detail = clip(alertDetail(a), 4000).replace(/```/g, '`\u200b``');
  return {
    username: 'medic',
    content: clip(a.headline, 2000),
    embeds: [
      {
        description: `\`\`\`\n${detail}\n\`\`\``,
        color: COLOR[severityOf(a)],
        timestamp: a.resolvedAt ?? a.detectedAt,
      },
    ],
    allowed_mentions: { parse: [] },
  };
}

export function discordNotifier(url: string, timeoutMs = 10_000): Notifier {
  return {
    key: keyOf('discord', url),
    label: `discord ${hostOf(url)}`,
    send: maskedSend(urlSecrets(url), (a) =>
      postJson(url, discordMessage(a), { 'user-agent': USER_AGENT }, timeoutMs),
    ),
  };
}
