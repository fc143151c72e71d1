// Telegram: the Bot API's sendMessage to a chat, the headline in bold and the alert preformatted. The bot's
// token is part of the URL, so it is masked out of every error.
import { postJson } from '../../host/http.ts';
import { type Alert, alertDetail, clip } from '../alert.ts';
import { hostOf, keyOf, maskedSend, type Notifier, USER_AGENT } from './notifier.ts';

export const TELEGRAM_API = 'https://api.telegram.org';

export interface TelegramMessage {
  chat_id: string;
  text: string;
  parse_mode: 'HTML';
  disable_web_page_preview: true;
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A message holds 4096 characters once its HTML is parsed. */
export function telegramMessage(a: Alert, chat: string): TelegramMessage {
  return {
    chat_id: chat,
    text: `<b>${escapeHtml(clip(a.headline, 300))}</b>\n<pre>${escapeHtml(clip(alertDetail(a), 3700))}</pre>`,
    parse_mode: 'HTML',
    disable_web_page_preview: true,
  };
}

export function telegramNotifier(
  token: string,
  chat: string,
  api = TELEGRAM_API,
  timeoutMs = 10_000,
): Notifier {
  const url = `${api.replace(/\/+$/, '')}/bot${token}/sendMessage`;
  return {
    key: keyOf('telegram', `${api} ${token} ${chat}`),
    label: `telegram ${hostOf(api)}`,
    send: maskedSend([token], (a) =>
      postJson(url, telegramMessage(a, chat), { 'user-agent': USER_AGENT }, timeoutMs),
    ),
  };
}
