// ServiceWatcher carries the machine's actions out: the incident, its timeline and its alerts land in a
// real store, in order. systemd and the health request answer from plain functions here; the testbed's
// integration test runs the same against the real ones.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WATCH_DEFAULTS } from '../../src/config/medic-yaml.ts';
import { Store } from '../../src/store/store.ts';
import type { AlertKind } from '../../src/watch/alert.ts';
import { ServiceWatcher } from '../../src/watch/service-watch.ts';

const RUNNING = { active: 'active', sub: 'running', result: 'success' };

test('a crash: one incident in the store with its diagnosis, then "opened" and "resolved" alerts in order', async () => {
  const store = Store.open(join(mkdtempSync(join(tmpdir(), 'medic-watch-')), 'medic.db'), { create: true });
  const alerts: { kind: AlertKind; state: string }[] = [];
  const watcher = new ServiceWatcher(
    {
      name: 'flaskapp',
      unit: 'flaskapp.service',
      workers: [],
      health: { url: 'http://127.0.0.1/health', status: 200 },
    },
    {
      store,
      config: { ...WATCH_DEFAULTS, interval: 100, timeout: 100, failures: 2, resolveAfter: 200 },
      now: () => new Date(),
      log: () => {},
      unitStates: async (units) => units.map(() => RUNNING),
      probeHealth: async () => ({ ok: true, at: new Date().toISOString(), ms: 3, status: 200 }),
      restart: async () => ({ ok: true }),
      diagnose: async () => {
        await sleep(250); // health has answered by then
        return { cause: { id: 'killed_by_signal', title: 'killed' }, firstFatal: { line: 'status=9/KILL' } };
      },
      alert: (kind, _incident, state) => alerts.push({ kind, state }),
    },
  );
  await watcher.start();
  watcher.onSignal({
    kind: 'exit',
    unit: 'flaskapp.service',
    time: new Date().toISOString(),
    text: 'flaskapp.service: Main process exited, code=killed, status=9/KILL',
    code: 'killed',
    status: '9',
  });
  for (let i = 0; i < 50 && !alerts.some((a) => a.kind === 'resolved'); i++) await sleep(100);
  watcher.stop();
  assert.deepEqual(
    alerts.map((a) => a.kind),
    ['opened', 'resolved'],
  );
  assert.match(alerts[0]!.state, /^flaskapp\.service active \(running\), health OK \(HTTP 200 in 3 ms\)$/);
  const [incident] = store.incidents();
  assert.equal(incident?.state, 'resolved');
  assert.equal(incident?.causeId, 'killed_by_signal');
  assert.equal(incident?.openAlerted, true);
  assert.deepEqual(
    store.events(incident!.id).map((e) => e.kind),
    ['crash', 'diagnosis', 'resolved'],
  );
  store.close();
});
