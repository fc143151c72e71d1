// Each notifier against a real HTTP server on loopback that records what it got (method, path, headers,
// body): what ntfy, Discord, Teams, PagerDuty, Telegram and Alertmanager would receive. The command hook runs
// a real program. A receiver that fails or hangs gives one line without the token, and the outbox retries.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { Store } from '../../src/store/store.ts';
import { webhookNotifier } from '../../src/watch/notifiers.ts';
import { alertmanagerNotifier } from '../../src/watch/notify/alertmanager.ts';
import { commandNotifier } from '../../src/watch/notify/command.ts';
import { discordNotifier } from '../../src/watch/notify/discord.ts';
import { ntfyNotifier } from '../../src/watch/notify/ntfy.ts';
import { pagerDutyNotifier } from '../../src/watch/notify/pagerduty.ts';
import { teamsNotifier } from '../../src/watch/notify/teams.ts';
import { telegramNotifier } from '../../src/watch/notify/telegram.ts';
import { Outbox } from '../../src/watch/outbox.ts';
import { FATAL, FIX, incidentAlert } from '../unit/alerts.ts';
import { type Received, type Receiver, startReceiver } from './servers.ts';

let receiver: Receiver;
let base: string;
let received: Received[];
/** Requests to a path under /flaky/ that fail before the next one is answered. */
let flakyFailures = 0;

before(async () => {
  receiver = await startReceiver((r, res) => {
    if (r.path.startsWith('/hang')) return;
    if (r.path.startsWith('/fail') || (r.path.startsWith('/flaky') && flakyFailures-- > 0)) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('upstream exploded\nat line 2');
      return;
    }
    // what each service answers when it took the message
    if (r.path.includes('/sendMessage'))
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    else if (r.path.includes('/enqueue'))
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"success"}');
    else if (r.path.includes('/webhooks/')) res.writeHead(204).end();
    else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  base = receiver.url;
});
beforeEach(() => {
  receiver.received.length = 0;
  received = receiver.received;
  flakyFailures = 0;
});
after(() => receiver.close());

const opened = incidentAlert('opened');
const resolved = incidentAlert('resolved');
const json = (r: Received | undefined) => JSON.parse(r?.body ?? 'null') as Record<string, unknown>;

function assertJsonPost(r: Received | undefined, path: string) {
  assert.equal(r?.method, 'POST');
  assert.equal(r?.path, path);
  assert.equal(r?.headers['content-type'], 'application/json');
  assert.equal(r?.headers['user-agent'], 'medic-watch');
  assert.equal(r?.headers['content-length'], String(Buffer.byteLength(r?.body ?? '')));
}

test('ntfy: JSON to the server root, the topic inside, the token as a bearer', async () => {
  await ntfyNotifier(`${base}/medic-web1`, 'tk_0123456789abcdef').send(opened);
  const [r] = received;
  assertJsonPost(r, '/');
  assert.equal(r?.headers.authorization, 'Bearer tk_0123456789abcdef');
  const body = json(r);
  assert.equal(body['topic'], 'medic-web1');
  assert.equal(body['title'], opened.headline);
  assert.match(String(body['message']), /redis_unreachable/);
  assert.ok(String(body['message']).includes(FATAL));
  // a user:password in the URL becomes Basic auth, and leaves the URL
  await ntfyNotifier(`http://medic:pa55word@${base.slice(7)}/ops`, undefined).send(opened);
  assert.equal(
    received[1]?.headers.authorization,
    `Basic ${Buffer.from('medic:pa55word').toString('base64')}`,
  );
  assert.equal(json(received[1])['topic'], 'ops');
});

test('Discord: the webhook gets the headline and the alert in an embed', async () => {
  await discordNotifier(`${base}/api/webhooks/1234/t0ken-of-the-hook`).send(opened);
  const [r] = received;
  assertJsonPost(r, '/api/webhooks/1234/t0ken-of-the-hook');
  const body = json(r) as { content: string; embeds: { description: string }[] };
  assert.equal(body.content, opened.headline);
  assert.ok(body.embeds[0]?.description.includes(`$ ${FIX}`));
});

test('Teams: the workflow gets a message with an Adaptive Card attachment', async () => {
  await teamsNotifier(`${base}/workflows/abc/triggers/manual/paths/invoke?sig=s1gnature`).send(opened);
  const [r] = received;
  assertJsonPost(r, '/workflows/abc/triggers/manual/paths/invoke?sig=s1gnature');
  const body = json(r) as {
    type: string;
    attachments: { contentType: string; content: { body: unknown[] } }[];
  };
  assert.equal(body.type, 'message');
  assert.equal(body.attachments[0]?.contentType, 'application/vnd.microsoft.card.adaptive');
  const runs = (body.attachments[0]?.content.body as { inlines?: { text: string }[] }[]).flatMap(
    (b) => b.inlines?.map((x) => x.text) ?? [],
  );
  assert.ok(runs.includes(FATAL) && runs.includes(`$ ${FIX}`), 'the first fatal line and the fix');
});

test('PagerDuty: a trigger when it opens, a resolve on the same dedup_key when it resolves', async () => {
  const pd = pagerDutyNotifier('R0UT1NGKEY0123456789', `${base}/v2/enqueue`);
  await pd.send(opened);
  await pd.send(resolved);
  assertJsonPost(received[0], '/v2/enqueue');
  const [trigger, resolve] = received.map(json);
  assert.equal(trigger?.['event_action'], 'trigger');
  assert.equal(trigger?.['routing_key'], 'R0UT1NGKEY0123456789');
  assert.equal((trigger?.['payload'] as { severity: string }).severity, 'critical');
  assert.deepEqual(resolve, {
    routing_key: 'R0UT1NGKEY0123456789',
    event_action: 'resolve',
    dedup_key: trigger?.['dedup_key'],
  });
});

test('Telegram: sendMessage under /bot<token>/, the chat and the HTML text', async () => {
  await telegramNotifier('123456:ABC-secret-token', '-1001234567890', base).send(opened);
  const [r] = received;
  assertJsonPost(r, '/bot123456:ABC-secret-token/sendMessage');
  const body = json(r);
  assert.equal(body['chat_id'], '-1001234567890');
  assert.equal(body['parse_mode'], 'HTML');
  assert.match(String(body['text']), /^<b>flaskapp on web1: incident opened/);
});

test('Alertmanager: an array of alerts posted to /api/v2/alerts', async () => {
  await alertmanagerNotifier(base).send(opened);
  const [r] = received;
  assertJsonPost(r, '/api/v2/alerts');
  const [alert] = JSON.parse(r?.body ?? '[]') as { labels: Record<string, string> }[];
  assert.equal(alert?.labels['cause'], 'redis_unreachable');
});

test('a command: the alert as JSON on stdin, MEDIC_* in its environment', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'medic-hook-'));
  const [stdin, env] = [join(dir, 'stdin.json'), join(dir, 'env')];
  const hook = commandNotifier(['/bin/sh', '-c', 'cat > "$0"; env > "$1"', stdin, env], 10_000, {
    PATH: '/usr/bin:/bin',
  });
  assert.equal(hook.label, 'command sh');
  await hook.send(opened);
  assert.deepEqual(JSON.parse(readFileSync(stdin, 'utf8')), opened);
  const vars = readFileSync(env, 'utf8');
  assert.match(vars, /^MEDIC_EVENT=incident\.opened$/m);
  assert.match(vars, /^MEDIC_CAUSE=redis_unreachable$/m);
  assert.ok(vars.includes(`MEDIC_FIRST_FATAL=${FATAL}`));
  assert.match(vars, /^\$ systemctl start redis-server$/m, 'MEDIC_FIX, one command a line');
});

test('a command that fails, hangs or is missing: one line saying so', async () => {
  const failing = commandNotifier(['/bin/sh', '-c', 'echo "paging: no route" >&2; exit 3'], 10_000);
  await assert.rejects(failing.send(opened), { message: '/bin/sh exited with status 3: paging: no route' });
  const hung = commandNotifier(['/bin/sleep', '30'], 1000);
  await assert.rejects(hung.send(opened), { message: '/bin/sleep did not finish within 1 s' });
  const missing = commandNotifier(['/nonexistent/page-me'], 1000);
  await assert.rejects(missing.send(opened), { message: /^command not found: \/nonexistent\/page-me$/ });
  const secret = commandNotifier(
    ['/bin/sh', '-c', 'echo "bad key $0" >&2; exit 1', 'k3y-0f-the-pager'],
    10_000,
  );
  await assert.rejects(secret.send(opened), (e: Error) => !e.message.includes('k3y-0f-the-pager'));
});

test('a receiver that answers 500 or never answers: one line, the token masked', async () => {
  const token = '987654:XYZ-very-secret';
  const failing = telegramNotifier(token, '1', `${base}/fail`);
  await assert.rejects(failing.send(opened), (e: Error) => {
    assert.equal(e.message, 'HTTP 500: upstream exploded at line 2');
    return true;
  });
  const hanging = telegramNotifier(token, '1', `${base}/hang`, 500);
  await assert.rejects(hanging.send(opened), (e: Error) => {
    assert.match(e.message, /\/hang\/bot\*\*\*\/sendMessage: no answer within 500 ms$/);
    assert.ok(!e.message.includes(token) && !e.message.includes('XYZ-very'), e.message);
    assert.ok(!e.message.includes('\n'));
    return true;
  });
  const hook = discordNotifier(`${base}/hang/api/webhooks/1/hook-s3cret-path`, 500);
  await assert.rejects(hook.send(opened), (e: Error) => !e.message.includes('hook-s3cret-path'));
  const slackLike = webhookNotifier(`http://127.0.0.1:1/hooks/s3cret-path`, 2000);
  await assert.rejects(slackLike.send(opened), (e: Error) => {
    assert.ok(!e.message.includes('s3cret-path'), e.message);
    return true;
  });
});

test('the outbox retries a receiver that failed, and logs one line without the address', async () => {
  const store = Store.open(join(mkdtempSync(join(tmpdir(), 'medic-outbox-')), 'medic.db'), { create: true });
  const discord = discordNotifier(`${base}/flaky/api/webhooks/9/flaky-t0ken`);
  const i = store.openIncident({
    service: 'flaskapp',
    unit: 'flaskapp.service',
    trigger: 'crash',
    summary: 's',
    startedAt: opened.startedAt,
    detectedAt: opened.detectedAt,
  });
  store.enqueue({
    incidentId: i.id,
    kind: 'opened',
    notifier: discord.key,
    payload: opened,
    now: new Date().toISOString(),
  });
  flakyFailures = 1;
  const logged: { event: string; fields: Record<string, string | number> }[] = [];
  const outbox = new Outbox(
    store,
    [discord],
    (_level, event, fields) => logged.push({ event, fields }),
    60_000,
  );
  outbox.kick();
  const deadline = Date.now() + 30_000;
  while (!logged.some((l) => l.event === 'alert_delivered') && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  outbox.stop();
  assert.deepEqual(
    logged.map((l) => l.event),
    ['alert_retry', 'alert_delivered'],
  );
  assert.equal(logged[0]?.fields['error'], 'HTTP 500: upstream exploded at line 2');
  assert.equal(logged[1]?.fields['attempts'], 2);
  assert.equal(received.length, 2, 'the same message twice: failed, then delivered');
  assert.equal(received[0]?.body, received[1]?.body);
  assert.ok(!JSON.stringify(logged).includes('flaky-t0ken'));
  store.close();
});
