// Alerts as medic watch and medic deploy build them: an incident in a real store with its diagnosis and a
// long restart loop, read back through alertOf; a failed deploy through deployAlertOf.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Alert, type AlertKind, alertOf, deployAlertOf } from '../../src/watch/alert.ts';
import { Store } from '../../src/store/store.ts';

export const FATAL =
  'redis.exceptions.ConnectionError: Error 111 connecting to 127.0.0.1:6379. Connection refused. <a & b>';
export const CONTEXT = 'File "/srv/flaskapp/flaskapp/__init__.py", line 30, in create_app';
export const FIX = 'systemctl start redis-server';

/** The redis_unreachable incident of flaskapp on web1, as alerted when it opened, gave up or resolved. */
export function incidentAlert(kind: AlertKind, fatal = FATAL): Alert {
  const store = Store.open(join(mkdtempSync(join(tmpdir(), 'medic-alert-')), 'medic.db'), { create: true });
  const i = store.openIncident({
    service: 'flaskapp',
    unit: 'flaskapp.service',
    trigger: 'crash',
    summary: 'flaskapp.service crashed: its main process exited with status 3',
    startedAt: '2026-11-22T00:50:21.622Z',
    detectedAt: '2026-11-22T00:50:21.837Z',
  });
  for (let n = 0; n < 30; n++)
    store.addEvent(
      i.id,
      `2026-11-22T00:50:${String(22 + n).padStart(2, '0')}.000Z`,
      'systemd_restart',
      `systemd restarts flaskapp.service (its restart counter: ${n + 1})`,
    );
  store.update(i.id, {
    restarts: 30,
    diagnosis: {
      firstFailingLayer: 'cache',
      cause: {
        id: 'redis_unreachable',
        title: 'The app (or its worker) cannot reach Redis',
        layer: 'cache',
        confidence: 'high',
        fix: ['# Redis is stopped or refuses connections', FIX],
      },
      firstFatal: { time: '2026-11-22T00:50:21.500Z', line: fatal, context: [CONTEXT] },
    },
    ...(kind === 'resolved'
      ? { state: 'resolved', recoveredAt: '2026-11-22T00:51:10.000Z', resolvedAt: '2026-11-22T00:52:10.000Z' }
      : {}),
  });
  const state =
    kind === 'resolved'
      ? 'flaskapp.service active (running), healthy'
      : 'flaskapp.service activating (auto-restart)';
  const alert = alertOf(kind, store.incident(i.id)!, store.events(i.id), state, 'web1');
  store.close();
  return alert;
}

/** medic deploy of 20261122-0100 that failed its health gate, after the switch: rolled back. */
export function deployAlert(): Alert {
  return deployAlertOf(
    {
      service: 'flaskapp',
      unit: 'flaskapp.service',
      kind: 'deploy',
      outcome: 'rolled_back',
      release: '20261122-0100',
      previous: '20261121-2300',
      step: 'watch',
      message: 'health failed after the switch: HTTP 502',
      startedAt: '2026-11-22T01:00:00.000Z',
      finishedAt: '2026-11-22T01:02:00.000Z',
      steps: [{ time: '2026-11-22T01:01:00.000Z', text: 'switched Nginx to 20261122-0100' }],
      fix: ['medic releases --service flaskapp', 'medic diagnose flaskapp.service'],
    },
    'web1',
  );
}
