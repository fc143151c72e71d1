// Where alerts go: a generic webhook (the alert as JSON), Slack, mail over SMTP, and the receivers of
// notify/ (ntfy, Discord, Teams, PagerDuty, Telegram, Alertmanager, a command of the user's).
// Addresses and tokens may come from medic's environment (${NAME}) so that they stay out of medic.yaml.
import { hostname } from 'node:os';
import { UsageError } from '../errors.ts';
import type { NotifyConfig } from '../config/medic-yaml.ts';
import { postJson } from '../host/http.ts';
import { alertText, mailSubject, slackBody } from './alert.ts';
import { alertmanagerNotifier } from './notify/alertmanager.ts';
import { commandNotifier } from './notify/command.ts';
import { discordNotifier } from './notify/discord.ts';
import { hostOf, keyOf, maskedSend, type Notifier, urlSecrets, USER_AGENT } from './notify/notifier.ts';
import { ntfyNotifier } from './notify/ntfy.ts';
import { pagerDutyNotifier } from './notify/pagerduty.ts';
import { teamsNotifier } from './notify/teams.ts';
import { telegramNotifier } from './notify/telegram.ts';

export type { Notifier } from './notify/notifier.ts';

/** ${NAME} replaced from the environment; a missing variable is a one-line error naming it. */
export function expandEnv(value: string, where: string, env: NodeJS.ProcessEnv = process.env): string {
  return value.replace(/\$\{(\w+)\}/g, (_m, name: string) => {
    const v = env[name];
    if (v === undefined || v === '')
      throw new UsageError(`${where}: \${${name}} is not set in medic's environment`);
    return v;
  });
}

export function webhookNotifier(url: string, timeoutMs = 10_000): Notifier {
  return {
    key: keyOf('webhook', url),
    label: `webhook ${hostOf(url)}`,
    send: maskedSend(urlSecrets(url), (a) =>
      postJson(url, a, { 'user-agent': USER_AGENT, 'idempotency-key': a.key }, timeoutMs),
    ),
  };
}

export function slackNotifier(url: string, timeoutMs = 10_000): Notifier {
  return {
    key: keyOf('slack', url),
    label: `slack ${hostOf(url)}`,
    send: maskedSend(urlSecrets(url), (a) =>
      postJson(url, slackBody(a), { 'user-agent': USER_AGENT }, timeoutMs),
    ),
  };
}

export function emailNotifier(smtp: string, from: string, to: string[], timeoutMs = 20_000): Notifier {
  let transport: import('nodemailer').Transporter | null = null;
  return {
    key: keyOf('email', `${smtp} ${to.join(',')}`),
    label: `email ${hostOf(smtp.replace(/^smtps?:/, 'http:'))}`,
    // nodemailer's errors may quote the URL with its password
    send: maskedSend(urlSecrets(smtp, false), async (a) => {
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
    }),
  };
}

/** The notifiers medic.yaml names, with ${NAME} expanded. */
export function notifiersOf(
  config: NotifyConfig | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Notifier[] {
  if (!config) return [];
  const x = (value: string, where: string) => expandEnv(value, `notify.${where}`, env);
  return [
    ...config.webhook.map((u, i) => webhookNotifier(x(u, `webhook[${i}]`))),
    ...config.slack.map((u, i) => slackNotifier(x(u, `slack[${i}]`))),
    ...config.email.map((e, i) => emailNotifier(x(e.smtp, `email[${i}].smtp`), e.from, e.to)),
    ...(config.ntfy ?? []).map((n, i) =>
      ntfyNotifier(
        x(n.url, `ntfy[${i}].url`),
        n.token === undefined ? undefined : x(n.token, `ntfy[${i}].token`),
      ),
    ),
    ...(config.discord ?? []).map((u, i) => discordNotifier(x(u, `discord[${i}]`))),
    ...(config.teams ?? []).map((u, i) => teamsNotifier(x(u, `teams[${i}]`))),
    ...(config.pagerduty ?? []).map((p, i) =>
      pagerDutyNotifier(
        x(p.routingKey, `pagerduty[${i}].routingKey`),
        p.url === undefined ? undefined : x(p.url, `pagerduty[${i}].url`),
      ),
    ),
    ...(config.telegram ?? []).map((t, i) =>
      telegramNotifier(
        x(t.token, `telegram[${i}].token`),
        x(t.chat, `telegram[${i}].chat`),
        t.api === undefined ? undefined : x(t.api, `telegram[${i}].api`),
      ),
    ),
    ...(config.alertmanager ?? []).map((u, i) => alertmanagerNotifier(x(u, `alertmanager[${i}]`))),
    ...(config.command ?? []).map((c, i) =>
      commandNotifier(
        c.run.map((arg, j) => x(arg, `command[${i}].run[${j}]`)),
        c.timeout,
        env,
      ),
    ),
  ];
}
