// medic's incidents through a real Alertmanager (Debian's prometheus-alertmanager): posted to its API v2,
// routed to a webhook receiver this test runs, firing with medic's labels and the diagnosis in annotations,
// then resolved when the incident is.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { alertmanagerAlerts, alertmanagerNotifier } from '../../src/watch/notify/alertmanager.ts';
import { FATAL, FIX, incidentAlert } from '../unit/alerts.ts';
import { program, type Receiver, startReady, startReceiver, type Started, waitFor } from './servers.ts';

interface Notification {
  status: 'firing' | 'resolved';
  alerts: {
    status: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: string;
    endsAt: string;
  }[];
}

let receiver: Receiver;
let alertmanager: Started;

before(async () => {
  const binary = program(['prometheus-alertmanager', 'alertmanager'], 'prometheus-alertmanager');
  receiver = await startReceiver();
  alertmanager = await startReady(
    binary,
    () => ({
      file: 'alertmanager.yml',
      text: [
        'route:',
        '  receiver: recorder',
        '  group_by: [alertname, service]',
        '  group_wait: 1s',
        '  group_interval: 1s',
        '  repeat_interval: 1h',
        'receivers:',
        '  - name: recorder',
        '    webhook_configs:',
        `      - url: ${receiver.url}/alertmanager`,
        '        send_resolved: true',
        '',
      ].join('\n'),
    }),
    (dir, port) => [
      `--config.file=${dir}/alertmanager.yml`,
      `--storage.path=${dir}/data`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
  );
});
after(async () => {
  await alertmanager?.stop();
  receiver?.close();
});

const notifications = () => receiver.received.map((r) => JSON.parse(r.body) as Notification);

test('an incident fires in Alertmanager with its labels and diagnosis, and resolves with it', async () => {
  const medic = alertmanagerNotifier(alertmanager.url);
  const opened = incidentAlert('opened');
  await medic.send(opened);
  // a re-post while it is open is Alertmanager's to deduplicate
  await medic.send(incidentAlert('gave_up'));
  const firing = await waitFor('the firing notification', () =>
    notifications().find((n) => n.status === 'firing'),
  ).catch((e: Error) => assert.fail(`${e.message}; Alertmanager said:\n${alertmanager.output()}`));
  assert.equal(receiver.received[0]?.path, '/alertmanager');
  assert.equal(firing.alerts.length, 1, 'one alert: the same labels are one alert');
  const [alert] = firing.alerts;
  // exactly the labels medic posted (test/unit/notify.test.ts pins what they are)
  assert.deepEqual(alert?.labels, alertmanagerAlerts(opened, new Date())[0]?.labels);
  assert.equal(alert?.labels['cause'], 'redis_unreachable');
  assert.match(alert?.annotations['summary'] ?? '', /^flaskapp on web1: (incident opened|a human is needed)/);
  const description = alert?.annotations['description'] ?? '';
  assert.match(description, /cause: redis_unreachable: The app \(or its worker\) cannot reach Redis/);
  assert.ok(description.includes(`first fatal error: ${FATAL}`), description);
  assert.ok(description.includes(`$ ${FIX}`), description);
  assert.equal(alert?.annotations['fix'], `# Redis is stopped or refuses connections\n${FIX}`);
  assert.equal(Date.parse(alert?.startsAt ?? ''), Date.parse(opened.startedAt));

  const before = Date.now();
  await medic.send(incidentAlert('resolved'));
  const resolved = await waitFor('the resolved notification', () =>
    notifications().find((n) => n.status === 'resolved'),
  ).catch((e: Error) => assert.fail(`${e.message}; Alertmanager said:\n${alertmanager.output()}`));
  assert.equal(resolved.alerts[0]?.status, 'resolved');
  assert.deepEqual(resolved.alerts[0]?.labels, alert?.labels);
  assert.ok(
    Date.parse(resolved.alerts[0]?.endsAt ?? '') >= before - 1000,
    'endsAt is when medic resolved it',
  );
});

test('an alert Alertmanager refuses (400) is a one-line error', async () => {
  const broken = alertmanagerNotifier(alertmanager.url);
  // endsAt before startsAt: Alertmanager's API answers 400
  const future = { ...incidentAlert('resolved'), startedAt: '2999-01-01T00:00:00.000Z' };
  await assert.rejects(broken.send(future), (e: Error) => {
    assert.match(e.message, /^HTTP 400/);
    assert.ok(!e.message.includes('\n'));
    return true;
  });
});
