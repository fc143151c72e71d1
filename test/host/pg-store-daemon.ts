// One host's medic watch, as far as the shared store goes, in a process of its own so that a test can SIGKILL it:
// its SQLite store, the failure the journal told it of (an incident and its opened alert, queued as the daemon
// queues them), the outbox with claims in PostgreSQL, a real webhook notifier, and the replicator. It prints the
// daemon's log lines as JSON. The shared store's URL comes from MEDIC_STORE_URL, as medic watch reads it.
import { hostname } from 'node:os';
import { NOTIFY_DEFAULTS } from '../../src/config/medic-yaml.ts';
import { AlertClaims } from '../../src/store/pg-claims.ts';
import { SharedStore } from '../../src/store/pg-store.ts';
import { resolveStoreUrl } from '../../src/store/pg-url.ts';
import { Replicator } from '../../src/store/replicator.ts';
import { Store } from '../../src/store/store.ts';
import { alertOf } from '../../src/watch/alert.ts';
import { notifiersOf } from '../../src/watch/notifiers.ts';
import { Outbox } from '../../src/watch/outbox.ts';

export interface DaemonArgs {
  store: string;
  host: string;
  webhook: string;
  /** The crash's time as the journal has it: the same for every daemon that reads it. */
  startedAt: string;
  leaseMs: number;
  /** false: only ship the store (which the test writes to), no incident and no alert of its own. */
  alerts?: boolean;
  /** A failed health request to this shared address, not a crash: the incident's trigger is unhealthy. */
  through?: string;
  /** Health answers again this long after the start: the incident resolves and its resolved alert is queued. */
  resolveAfterMs?: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as DaemonArgs;
const log = (level: string, event: string, fields: Record<string, string | number>) =>
  process.stdout.write(
    `${JSON.stringify({ time: new Date().toISOString(), host: args.host, level, event, ...fields })}\n`,
  );

const store = Store.open(args.store, { create: true });
const url = resolveStoreUrl(null);
if (!url) throw new Error('MEDIC_STORE_URL is not set');
const shared = new SharedStore(url, { application: `medic watch ${hostname()}`, connectTimeoutMs: 1000 });
const notifiers = notifiersOf({ ...NOTIFY_DEFAULTS, webhook: [args.webhook] });
const outbox = new Outbox(store, notifiers, log, 600_000, new AlertClaims(shared, args.host, args.leaseMs));
const replicator = new Replicator({ storePath: store.path, shared, host: args.host, log, intervalMs: 200 });
replicator.start();

if (args.alerts === false) log('info', 'watching', { store: store.path });
else {
  // the crash, once: a daemon started again goes on with the incident it has
  const incident =
    store.currentIncident('flaskapp') ??
    store.openIncident({
      service: 'flaskapp',
      unit: 'flaskapp.service',
      trigger: args.through ? 'unhealthy' : 'crash',
      summary: args.through
        ? 'health failing: 3 requests in a row (HTTP 502)'
        : 'flaskapp.service exited with status 1',
      startedAt: args.startedAt,
      detectedAt: new Date().toISOString(),
    });
  const queue = (kind: 'opened' | 'resolved', state: string) => {
    const now = store.incident(incident.id) ?? incident;
    const alert = alertOf(kind, now, store.timeline(now), state, args.host, args.through ?? null);
    outbox.queue(incident.id, kind, alert);
  };
  queue('opened', 'systemd restarts it');
  if (args.resolveAfterMs !== undefined)
    setTimeout(() => {
      const at = new Date().toISOString();
      store.update(incident.id, { state: 'resolved', recoveredAt: at, resolvedAt: at });
      queue('resolved', 'healthy again');
    }, args.resolveAfterMs);
  log('info', 'watching', { incident: incident.id });
}

process.on('SIGTERM', () => {
  outbox.stop();
  void replicator
    .stop()
    .then(() => shared.close())
    .then(() => {
      store.close();
      process.exit(0);
    });
});
