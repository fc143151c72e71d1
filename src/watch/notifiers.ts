// Where alerts go: a generic webhook (the alert as JSON), a Slack incoming webhook, mail over SMTP.
// Addresses may come from medic's environment (${NAME}) so that tokens stay out of medic.yaml.
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { UsageError } from '../errors.ts';
import type { NotifyConfig } from '../config/medic-yaml.ts';
import { postJson } from '../host/http.ts';
import { type Alert, alertText, mailSubject, slackBody } from './alert.ts';

export interface Notifier {
  /** Stable across restarts of medic: the kind and a hash of the address (never the address itself). */
  key: string;
  /** For logs: the kind and the host it talks to. */
  label: string;
  send(alert: Alert): Promise<void>;
}

const USER_AGENT = 'medic-watch';

/** ${NAME} replaced from the environment; a missing variable is a one-line error naming it. */
export function expandEnv(value: string, where: string, env: NodeJS.ProcessEnv = process.env): string {
  return value.replace(/\$\{(\w+)\}/g, (_m, name: string) => {
    const v = env[name];
    if (v === undefined || v === '')
      throw new UsageError(`${where}: \${${name}} is not set in medic's environment`);
    return v;
  });
}

function keyOf(kind: string, address: string): string {
  return `${kind}:${createHash('sha256').update(address).digest('hex').slice(0, 10)}`;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '?';
  }
}

export function webhookNotifier(url: string, timeoutMs = 10_000): Notifier {
  return {
    key: keyOf('webhook', url),
    label: `webhook ${hostOf(url)}`,
    send: (a) => postJson(url, a, { 'user-agent': USER_AGENT, 'idempotency-key': a.key }, timeoutMs),
  };
}

export function slackNotifier(url: string, timeoutMs = 10_000): Notifier {
  return {
    key: keyOf('slack', url),
    label: `slack ${hostOf(url)}`,
    send: (a) => postJson(url, slackBody(a), { 'user-agent': USER_AGENT }, timeoutMs),
  };
}

export function emailNotifier(smtp: string, from: string, to: string[], timeoutMs = 20_000): Notifier {
  let transport: import('nodemailer').Transporter | null = null;
  return {
    key: keyOf('email', `${smtp} ${to.join(',')}`),
    label: `email ${hostOf(smtp.replace(/^smtps?:/, 'http:'))}`,
    async send(a) {
      if (!transport) {
        const nodemailer = await import('nodemailer');
        transport = nodemailer.createTransport(smtp, {
          connectionTimeout: timeoutMs,
          greetingTimeout: timeoutMs,
          socketTimeout: timeoutMs,
        } as object);
      }
      await transport.sendMail({
        from,
        to,
        subject: mailSubject(a),
        text: alertText(a),
        messageId: `<${a.key}@${hostname() || 'medic'}>`,
        headers: { 'X-Medic-Incident': String(a.incident), 'X-Medic-Event': a.event },
      });
    },
  };
}

/** The notifiers medic.yaml names, with ${NAME} expanded. */
export function notifiersOf(
  config: NotifyConfig | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Notifier[] {
  if (!config) return [];
  return [
    ...config.webhook.map((u, i) => webhookNotifier(expandEnv(u, `notify.webhook[${i}]`, env))),
    ...config.slack.map((u, i) => slackNotifier(expandEnv(u, `notify.slack[${i}]`, env))),
    ...config.email.map((e, i) =>
      emailNotifier(expandEnv(e.smtp, `notify.email[${i}].smtp`, env), e.from, e.to),
    ),
  ];
}
