// medic watch's pure parts: what a journal entry means (fixtures cut from the testbed's real journal),
// the store and its outbox, the alert's text, and medic.yaml's watch and notify sections.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../src/config/medic-yaml.ts';
import { alertText, sharedHealthUrl, slackBody } from '../../src/watch/alert.ts';
import { incidentAlert } from './alerts.ts';
import { type JournalFields, signalOf, unitOfKernelOom } from '../../src/watch/journal.ts';
import { expandEnv, notifiersOf } from '../../src/watch/notifiers.ts';
import { retryDelayMs } from '../../src/watch/outbox.ts';
import { Store } from '../../src/store/store.ts';

const fixtures = fileURLToPath(new URL('../fixtures/journal/', import.meta.url));
const entries = (file: string) =>
  readFileSync(join(fixtures, file), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JournalFields);

test('a SIGKILL of the main process, as the journal tells it: exit, failed result, restart, started', () => {
  // medic's testbed: systemctl kill -s KILL --kill-whom=main flaskapp
  const signals = entries('flaskapp-sigkill.jsonl')
    .map((e) => signalOf(e, ['flaskapp.service']))
    .filter((s) => s !== null && 'kind' in s);
  const kinds = signals.map((s) => (s as { kind: string }).kind);
  assert.deepEqual(kinds.slice(kinds.indexOf('exit')), ['exit', 'failed', 'restart_scheduled', 'started']);
  const exit = signals.find((s) => (s as { kind: string }).kind === 'exit') as {
    code: string;
    status: string;
  };
  assert.equal(exit.code, 'killed');
  assert.equal(exit.status, '9');
  const restart = signals.find((s) => (s as { kind: string }).kind === 'restart_scheduled') as { n: number };
  assert.equal(restart.n, 1);
});

test("another unit's entries and the app's ordinary lines mean nothing", () => {
  const all = entries('flaskapp-sigkill.jsonl');
  assert.deepEqual(
    all.map((e) => signalOf(e, ['fastapi.service'])).filter(Boolean),
    [],
    'flaskapp is not watched here',
  );
});

test("a stop by hand is a stop job; systemd's restart after a crash is not", () => {
  const all = entries('fastapi-oom.jsonl');
  const kinds = all
    .map((e) => signalOf(e, ['fastapi.service']))
    .filter((s) => s && 'kind' in s)
    .map((s) => (s as { kind: string }).kind);
  const byHand = all.filter((e) => /^Stopping fastapi/.test(String(e['MESSAGE']))).length;
  assert.ok(byHand > 0);
  assert.equal(kinds.filter((k) => k === 'stopping').length, byHand);
  const crash = kinds.lastIndexOf('exit');
  assert.deepEqual(kinds.slice(crash), ['exit', 'failed', 'restart_scheduled', 'started']);
});

test('a kernel OOM kill in a cgroup of its own is tied to the unit by the pid it had', () => {
  // medic's testbed, scenario oom_kill: the box's limit lives in a host cgroup, not the unit's
  const kernel = entries('fastapi-oom.jsonl')
    .map((e) => signalOf(e, ['fastapi.service']))
    .filter((s) => s && !('kind' in s));
  assert.ok(kernel.length >= 1);
  const oom = kernel[0] as { pid: number; process: string; memcg: string | null; time: string; text: string };
  assert.equal(oom.process, 'uvicorn');
  const units = [
    { unit: 'fastapi.service', pids: new Set([oom.pid]), comm: 'uvicorn' },
    { unit: 'flaskapp.service', pids: new Set([1]), comm: 'gunicorn' },
  ];
  assert.equal(unitOfKernelOom(oom, units), 'fastapi.service');
  // no pid known: the one unit whose executable has that name
  assert.equal(
    unitOfKernelOom(
      oom,
      units.map((u) => ({ ...u, pids: new Set<number>() })),
    ),
    'fastapi.service',
  );
  // two units run uvicorn and neither had the pid: no guess
  assert.equal(
    unitOfKernelOom(oom, [
      { unit: 'a.service', pids: new Set(), comm: 'uvicorn' },
      { unit: 'b.service', pids: new Set(), comm: 'uvicorn' },
    ]),
    null,
  );
});

function tempStore(): { store: Store; path: string } {
  const path = join(mkdtempSync(join(tmpdir(), 'medic-store-')), 'medic.db');
  return { store: Store.open(path, { create: true }), path };
}

test('the store: an incident, its timeline and its restarts survive closing and opening again', () => {
  const { store, path } = tempStore();
  const i = store.openIncident({
    service: 'flaskapp',
    unit: 'flaskapp.service',
    trigger: 'crash',
    summary: 'crashed',
    startedAt: '2026-11-22T00:00:00.000Z',
    detectedAt: '2026-11-22T00:00:00.200Z',
  });
  store.addEvent(i.id, '2026-11-22T00:00:01.000Z', 'systemd_restart', 'systemd restarts it');
  store.addEvent(i.id, '2026-11-22T00:00:05.000Z', 'medic_restart', 'medic restarts it');
  store.close();
  const again = Store.open(path, { create: false });
  assert.equal(again.currentIncident('flaskapp')?.id, i.id);
  assert.equal(again.events(i.id).length, 2);
  assert.deepEqual(again.restartTimes('flaskapp', '2026-11-22T00:00:02.000Z'), ['2026-11-22T00:00:05.000Z']);
  again.update(i.id, { state: 'resolved', resolvedAt: '2026-11-22T00:01:00.000Z' });
  assert.equal(again.currentIncident('flaskapp'), null);
  again.close();
});

test('the outbox: a message is queued once, and a receiver gets its messages in order', () => {
  const { store } = tempStore();
  const i = store.openIncident({
    service: 'web',
    unit: 'web.service',
    trigger: 'crash',
    summary: 's',
    startedAt: '2026-11-22T00:00:00.000Z',
    detectedAt: '2026-11-22T00:00:00.000Z',
  });
  const now = '2026-11-22T00:00:01.000Z';
  assert.equal(
    store.enqueue({ incidentId: i.id, kind: 'opened', notifier: 'webhook:a', payload: {}, now }),
    true,
  );
  assert.equal(
    store.enqueue({ incidentId: i.id, kind: 'opened', notifier: 'webhook:a', payload: {}, now }),
    false,
  );
  store.enqueue({ incidentId: i.id, kind: 'resolved', notifier: 'webhook:a', payload: {}, now });
  store.enqueue({ incidentId: i.id, kind: 'opened', notifier: 'email:b', payload: {}, now });
  const due = store.due(now);
  assert.deepEqual(
    due.map((m) => `${m.notifier} ${m.kind}`),
    ['webhook:a opened', 'email:b opened'],
    '"resolved" waits behind "opened" for the same receiver',
  );
  // the webhook is down: its opened message waits; the resolved one still may not overtake it
  const opened = due[0]!;
  store.failed(opened.id, 'connect ECONNREFUSED', '2026-11-22T00:00:09.000Z');
  assert.deepEqual(
    store.due('2026-11-22T00:00:02.000Z').map((m) => `${m.notifier} ${m.kind}`),
    ['email:b opened'],
  );
  assert.equal(store.nextDue(), now, 'the mail is due now');
  store.delivered(due[1]!.id, now);
  assert.equal(store.nextDue(), '2026-11-22T00:00:09.000Z');
  store.delivered(opened.id, '2026-11-22T00:00:09.000Z');
  assert.deepEqual(
    store.due('2026-11-22T00:00:10.000Z').map((m) => m.kind),
    ['resolved'],
  );
});

test('the outbox: a message a receiver refuses holds back its own incident, not the next one', () => {
  const { store } = tempStore();
  const incident = (service: string) =>
    store.openIncident({
      service,
      unit: `${service}.service`,
      trigger: 'crash',
      summary: 's',
      startedAt: '2026-11-22T00:00:00.000Z',
      detectedAt: '2026-11-22T00:00:00.000Z',
    }).id;
  const [a, b] = [incident('fastapi'), incident('flaskapp')];
  const now = '2026-11-22T00:00:01.000Z';
  for (const [id, kind] of [
    [a, 'opened'],
    [a, 'resolved'],
    [b, 'opened'],
  ] as const)
    store.enqueue({ incidentId: id, kind, notifier: 'webhook:a', payload: {}, now });
  const first = store.due(now);
  assert.deepEqual(
    first.map((m) => `${m.incidentId} ${m.kind}`),
    [`${a} opened`, `${b} opened`],
  );
  // the receiver keeps refusing fastapi's opened message: flaskapp's still goes, fastapi's resolved waits
  store.failed(first[0]!.id, 'HTTP 400: invalid payload', '2026-11-22T00:10:00.000Z');
  assert.deepEqual(
    store.due('2026-11-22T00:00:02.000Z').map((m) => `${m.incidentId} ${m.kind}`),
    [`${b} opened`],
  );
});

test('retries back off to every 15 s while a receiver stays down', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 20].map(retryDelayMs), [1000, 2000, 4000, 8000, 15000, 15000, 15000]);
});

test('the alert: what happened, the cause and fix, the first fatal error and a short timeline, in UTC', () => {
  const a = incidentAlert('opened');
  assert.equal(a.key, 'medic-web1-1-opened');
  assert.equal(a.timeToDetectMs, 215);
  assert.equal(a.timeline.length, 17, 'first 8, a line for what is left out, last 8');
  const text = alertText(a);
  assert.match(text, /^flaskapp on web1: incident opened — flaskapp\.service crashed/);
  assert.match(text, /started {3}2026-11-22 00:50:21 UTC, detected in 0\.2 s/);
  assert.match(text, /cause {5}redis_unreachable/);
  assert.match(text, /\$ systemctl start redis-server/);
  assert.match(text, /Connection refused/);
  assert.match(text, /… 14 more events/);
  const slack = slackBody(a);
  assert.equal(slack.text, a.headline);
  assert.ok(JSON.stringify(slack.blocks).length < 6000);
});

test("notify: ${NAME} comes from medic's environment, and a missing one is named", () => {
  assert.equal(
    expandEnv('${HOOK}/x', 'notify.webhook[0]', { HOOK: 'https://hooks.example/T1' }),
    'https://hooks.example/T1/x',
  );
  assert.throws(
    () => expandEnv('${HOOK}', 'notify.slack[0]', {}),
    /notify\.slack\[0\]: \$\{HOOK\} is not set/,
  );
  const n = notifiersOf(
    { webhook: ['https://a.example/hook'], slack: ['${S}'], email: [], retryFor: 1000 },
    { S: 'https://hooks.slack.example/services/T/B/secret' },
  );
  assert.deepEqual(
    n.map((x) => x.label),
    ['webhook a.example', 'slack hooks.slack.example'],
  );
  assert.ok(
    n.every((x) => !x.key.includes('secret')),
    'keys never hold the address',
  );
});

test('medic.yaml: watch durations, restart limits and notify targets', () => {
  const base = 'version: 1\nservices:\n  web:\n    unit: web.service\n';
  const c = parseConfig(
    `${base}watch:\n  interval: 5s\n  resolveAfter: 2m\n  restart: { backoff: 500ms, limit: 3 }\nnotify:\n  webhook: https://hooks.example/medic\n  email: { smtp: "smtp://mail.example:587", from: medic@example.com, to: ops@example.com }\n`,
  );
  assert.equal(c.watch?.interval, 5000);
  assert.equal(c.watch?.resolveAfter, 120_000);
  assert.equal(c.watch?.restart.backoff, 500);
  assert.equal(c.watch?.restart.limit, 3);
  assert.equal(c.watch?.restart.window, 600_000, 'defaults fill in');
  assert.deepEqual(c.notify?.webhook, ['https://hooks.example/medic']);
  assert.deepEqual(c.notify?.email[0]?.to, ['ops@example.com']);
  assert.throws(
    () => parseConfig(`${base}watch:\n  interval: soon\n`),
    /^UsageError: medic\.yaml:6: watch\.interval: a duration like 10s/,
  );
  assert.throws(() => parseConfig(`${base}notify:\n  slack: hooks.slack.com\n`), /notify\.slack/);
});

test('medic watch with a malformed medic.yaml: one line naming the file and line, exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'medic-watch-'));
  const file = join(dir, 'medic.yaml');
  writeFileSync(file, 'version: 1\nservices:\n  web:\n    unit: web.service\n  health: [\n');
  const bin = fileURLToPath(new URL('../../bin/medic.js', import.meta.url));
  const r = spawnSync(process.execPath, [bin, 'watch', '-c', file], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(`^medic: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+: not valid YAML`),
  );
  assert.equal(r.stdout, '');
});

test("a health URL other hosts may ask too is shared; this host's own Nginx or app is not", () => {
  const h = (url: string, connectTo?: { host: string; port: number }) => ({
    url,
    status: 200,
    ...(connectTo ? { connectTo } : {}),
  });
  assert.equal(sharedHealthUrl(h('https://shop.example.com/health')), 'https://shop.example.com/health');
  assert.equal(
    sharedHealthUrl(h('https://shop.example.com/health', { host: '10.0.0.5', port: 443 })),
    'https://shop.example.com/health via 10.0.0.5:443',
  );
  // medic init's health URLs: the site's name, asked of this host's Nginx
  assert.equal(sharedHealthUrl(h('http://flask.medic.test/health', { host: '127.0.0.1', port: 80 })), null);
  for (const url of ['http://127.0.0.1:8000/health', 'http://localhost/health', 'http://[::1]:8000/health'])
    assert.equal(sharedHealthUrl(h(url)), null, url);
  assert.equal(sharedHealthUrl({ url: 'http://app/health', status: 200, socketPath: '/run/app.sock' }), null);
  assert.equal(sharedHealthUrl(null), null);
});
