// What each receiver is sent, as pure functions of one alert: every message names the cause, the first fatal
// line and the fix as commands, within the receiver's own limits; and how medic.yaml names the receivers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/medic-yaml.ts';
import { alertText, type Alert } from '../../src/watch/alert.ts';
import { notifiersOf } from '../../src/watch/notifiers.ts';
import { alertmanagerAlerts, alertmanagerApi } from '../../src/watch/notify/alertmanager.ts';
import { commandEnv } from '../../src/watch/notify/command.ts';
import { discordMessage } from '../../src/watch/notify/discord.ts';
import { ntfyMessage, ntfyTarget } from '../../src/watch/notify/ntfy.ts';
import { dedupKeyOf, pagerDutyEvent } from '../../src/watch/notify/pagerduty.ts';
import { teamsMessage } from '../../src/watch/notify/teams.ts';
import { telegramMessage } from '../../src/watch/notify/telegram.ts';
import { CONTEXT, deployAlert, FATAL, FIX, incidentAlert } from './alerts.ts';

const opened = incidentAlert('opened');
const resolved = incidentAlert('resolved');
/** A first fatal line far longer than any receiver takes, with a code fence in it. */
const long = incidentAlert('opened', `ValueError: \`\`\`${'x'.repeat(9000)}`);

/** Says what happened, why, the first fatal line and the fix as a command. */
function assertDiagnosis(text: string, fatal = FATAL) {
  assert.match(text, /redis_unreachable/);
  assert.ok(text.includes(fatal), 'the first fatal line');
  assert.ok(text.includes(`$ ${FIX}`), 'the fix, as a command');
}

test('ntfy: published as JSON to the server, the headline as title, priority by severity', () => {
  assert.deepEqual(ntfyTarget('https://ntfy.sh/medic-web1'), {
    server: 'https://ntfy.sh/',
    topic: 'medic-web1',
  });
  assert.deepEqual(ntfyTarget('https://push.example.com/ntfy/ops?x=1'), {
    server: 'https://push.example.com/ntfy/',
    topic: 'ops',
  });
  const m = ntfyMessage(opened, 'medic-web1');
  assert.equal(m.topic, 'medic-web1');
  assert.equal(m.title, opened.headline);
  assert.equal(m.priority, 5);
  assert.deepEqual(m.tags, ['rotating_light', 'flaskapp']);
  assertDiagnosis(m.message);
  assert.equal(ntfyMessage(resolved, 't').priority, 3);
  assert.deepEqual(ntfyMessage(resolved, 't').tags, ['white_check_mark', 'flaskapp']);
  assert.equal(ntfyMessage(deployAlert(), 't').priority, 4);
  assert.ok(Buffer.byteLength(ntfyMessage(long, 't').message) < 4096, 'under the attachment limit');
});

test('Discord: the headline as the notification text, the alert in a code block, no mentions', () => {
  const m = discordMessage(opened);
  assert.equal(m.content, opened.headline);
  assert.deepEqual(m.allowed_mentions, { parse: [] });
  const embed = m.embeds[0]!;
  assert.ok(embed?.description.startsWith('```\n') && embed.description.endsWith('\n```'));
  assertDiagnosis(embed.description);
  assert.equal(embed.color, 0xd83c3e);
  assert.equal(discordMessage(resolved).embeds[0]?.color, 0x2e9d5b);
  const cut = discordMessage(long).embeds[0]!.description;
  assert.ok(cut.length <= 4096, `${cut.length} characters`);
  assert.equal(cut.match(/```/g)?.length, 2, 'a fence in the log line does not end the block');
});

test('Teams: an Adaptive Card with the cause in the facts and log lines as written', () => {
  const m = teamsMessage(opened);
  assert.equal(m.type, 'message');
  const [attachment] = m.attachments;
  assert.equal(attachment?.contentType, 'application/vnd.microsoft.card.adaptive');
  const card = attachment!.content as { type: string; version: string; body: Record<string, unknown>[] };
  assert.equal(card.type, 'AdaptiveCard');
  assert.equal(card.version, '1.4');
  assert.equal(card.body[0]?.['text'], opened.headline);
  assert.equal(card.body[0]?.['color'], 'Attention');
  const facts = card.body.find((b) => b['type'] === 'FactSet')?.['facts'] as {
    title: string;
    value: string;
  }[];
  assert.match(facts.find((f) => f.title === 'Cause')?.value ?? '', /^redis_unreachable: The app/);
  // TextRuns are not markdown: __init__ stays __init__
  const runs = card.body
    .filter((b) => b['type'] === 'RichTextBlock')
    .map((b) => (b['inlines'] as { text: string }[])[0]?.text);
  assert.ok(runs.includes(CONTEXT));
  assert.ok(runs.includes(FATAL));
  assert.ok(runs.includes(`$ ${FIX}`));
  assert.equal(
    (teamsMessage(resolved).attachments[0]!.content as { body: { color?: string }[] }).body[0]?.color,
    'Good',
  );
});

test('PagerDuty: trigger with the diagnosis, resolve on the same dedup_key, a deploy as a warning', () => {
  const e = pagerDutyEvent(opened, 'R0UT1NGKEY');
  assert.equal(e.event_action, 'trigger');
  if (e.event_action !== 'trigger') return;
  assert.equal(e.routing_key, 'R0UT1NGKEY');
  assert.equal(e.dedup_key, `medic-web1-incident-${opened.incident}`);
  assert.equal(e.payload.summary, opened.headline);
  assert.equal(e.payload.source, 'web1');
  assert.equal(e.payload.severity, 'critical');
  assert.equal(e.payload.component, 'flaskapp');
  assert.equal(e.payload.class, 'redis_unreachable');
  assert.equal(e.payload.custom_details['first_fatal'], FATAL);
  assert.deepEqual(e.payload.custom_details['fix'], [
    '# Redis is stopped or refuses connections',
    `$ ${FIX}`,
  ]);
  assert.equal(e.payload.custom_details['layer'], 'cache');
  assert.deepEqual(pagerDutyEvent(resolved, 'R0UT1NGKEY'), {
    routing_key: 'R0UT1NGKEY',
    event_action: 'resolve',
    dedup_key: e.dedup_key,
  });
  assert.equal(
    dedupKeyOf(incidentAlert('gave_up')),
    e.dedup_key,
    'a human is needed: the same PagerDuty alert',
  );
  const deploy = pagerDutyEvent(deployAlert(), 'R0UT1NGKEY');
  assert.equal(deploy.event_action === 'trigger' && deploy.payload.severity, 'warning');
  const huge = pagerDutyEvent({ ...opened, headline: 'h'.repeat(3000) }, 'k');
  assert.ok(huge.event_action === 'trigger' && huge.payload.summary.length <= 1024);
});

test('Telegram: sendMessage in HTML, the log line escaped, within 4096 characters', () => {
  const m = telegramMessage(opened, '-1001234567890');
  assert.equal(m.chat_id, '-1001234567890');
  assert.equal(m.parse_mode, 'HTML');
  assert.ok(m.text.startsWith(`<b>${opened.headline}</b>\n<pre>`));
  assert.ok(m.text.includes('Connection refused. &lt;a &amp; b&gt;'), 'escaped HTML');
  assert.ok(m.text.includes(`$ ${FIX}`));
  assert.ok(telegramMessage(long, '1').text.length <= 4096);
});

test('Alertmanager: labels to route by, the diagnosis in annotations, endsAt when resolved', () => {
  const now = new Date('2026-11-22T00:52:10.500Z');
  const [firing] = alertmanagerAlerts(opened, now);
  assert.deepEqual(firing?.labels, {
    alertname: 'MedicIncident',
    service: 'flaskapp',
    cause: 'redis_unreachable',
    layer: 'cache',
    host: 'web1',
    severity: 'critical',
  });
  assert.equal(firing?.annotations['summary'], opened.headline);
  assertDiagnosis(firing?.annotations['description'] ?? '');
  assert.equal(firing?.startsAt, opened.startedAt);
  assert.equal(firing?.endsAt, undefined);
  const [done] = alertmanagerAlerts(resolved, now);
  assert.deepEqual(done?.labels, firing?.labels, 'the same labels: Alertmanager resolves that alert');
  assert.equal(done?.endsAt, now.toISOString());
  assert.equal(alertmanagerAlerts(deployAlert(), now)[0]?.labels.alertname, 'MedicDeployFailed');
  assert.equal(alertmanagerApi('http://127.0.0.1:9093'), 'http://127.0.0.1:9093/api/v2/alerts');
  assert.equal(alertmanagerApi('http://am.example/am/'), 'http://am.example/am/api/v2/alerts');
  assert.equal(alertmanagerApi('http://am.example/api/v2/alerts'), 'http://am.example/api/v2/alerts');
});

test('a command: MEDIC_* variables with the cause, the first fatal line and the fix', () => {
  const env = commandEnv(opened);
  assert.equal(env['MEDIC_EVENT'], 'incident.opened');
  assert.equal(env['MEDIC_SEVERITY'], 'critical');
  assert.equal(env['MEDIC_SERVICE'], 'flaskapp');
  assert.equal(env['MEDIC_CAUSE'], 'redis_unreachable');
  assert.equal(env['MEDIC_LAYER'], 'cache');
  assert.equal(env['MEDIC_FIRST_FATAL'], FATAL);
  assert.equal(env['MEDIC_FIX'], `# Redis is stopped or refuses connections\n$ ${FIX}`);
  assert.equal(commandEnv(resolved)['MEDIC_RESOLVED_AT'], '2026-11-22T00:52:10.000Z');
});

test('an alert queued by an older medic, without a layer, still goes out', () => {
  const legacy: Alert = { ...opened };
  delete legacy.layer;
  assert.equal(alertmanagerAlerts(legacy, new Date())[0]?.labels.layer, 'unknown');
  assert.equal(alertText(legacy), alertText(opened));
});

test('medic.yaml: every notifier, tokens from the environment, one line for what is wrong', () => {
  const base = 'version: 1\nservices:\n  web:\n    unit: web.service\nnotify:\n';
  const c = parseConfig(
    `${base}  ntfy:\n    url: https://ntfy.sh/medic-web1\n    token: \${NTFY_TOKEN}\n` +
      '  discord: ${DISCORD_WEBHOOK_URL}\n' +
      '  teams: https://prod.example.logic.azure.com/workflows/abc\n' +
      "  pagerduty: { routingKey: '${PAGERDUTY_KEY}' }\n" +
      "  telegram: { token: '${TELEGRAM_TOKEN}', chat: -1001234567890 }\n" +
      '  alertmanager: http://127.0.0.1:9093\n' +
      '  command: { run: [/usr/local/bin/page, --team, web], timeout: 10s }\n',
  );
  assert.deepEqual(c.notify?.ntfy, [{ url: 'https://ntfy.sh/medic-web1', token: '${NTFY_TOKEN}' }]);
  assert.deepEqual(c.notify?.telegram, [{ token: '${TELEGRAM_TOKEN}', chat: '-1001234567890' }]);
  assert.deepEqual(c.notify?.command, [{ run: ['/usr/local/bin/page', '--team', 'web'], timeout: 10_000 }]);
  const env = {
    NTFY_TOKEN: 'tk_secret0123',
    DISCORD_WEBHOOK_URL: 'https://discord.com/api/webhooks/1/s3cr3t',
    PAGERDUTY_KEY: 'pdkey0123456789',
    TELEGRAM_TOKEN: '123456:ABCsecret',
  };
  const n = notifiersOf(c.notify, env);
  assert.deepEqual(
    n.map((x) => x.label),
    [
      'ntfy ntfy.sh',
      'discord discord.com',
      'teams prod.example.logic.azure.com',
      'pagerduty events.pagerduty.com',
      'telegram api.telegram.org',
      'alertmanager 127.0.0.1:9093',
      'command page',
    ],
  );
  const said = JSON.stringify(n.map((x) => [x.key, x.label]));
  for (const secret of Object.values(env)) assert.ok(!said.includes(secret), 'keys and labels hold no token');
  assert.throws(() => notifiersOf(c.notify, {}), /notify\.ntfy\[0\]\.token: \$\{NTFY_TOKEN\} is not set/);
  assert.deepEqual(
    parseConfig(`${base}  command: { run: /usr/local/bin/page }\n`).notify?.command?.[0]?.run,
    ['/usr/local/bin/page'],
  );
  assert.throws(
    () => parseConfig(`${base}  command: { run: /usr/local/bin/page --urgent }\n`),
    /medic\.yaml:6: notify\.command\.0\.run: one program; give its arguments as a list/,
  );
  assert.throws(() => parseConfig(`${base}  telegram: { chat: 1 }\n`), /notify\.telegram\.0\.token: /);
  assert.throws(() => parseConfig(`${base}  alertmanager: 127.0.0.1:9093\n`), /notify\.alertmanager/);
});
