// The Prometheus endpoint of medic watch: per service up, restarts, open incidents and health latency;
// incidents by cause, time to detect and to recover, deploys by outcome; and medic's own process.
import { UsageError } from '../errors.ts';
import { serveHttp } from '../host/http-serve.ts';
import type { DeployRecord } from '../store/store.ts';
import type { MetricChange } from './machine.ts';
import type { WatchedService } from './service.ts';

/** Deploys that finished at or after `since`, newest first: the store's, read at each scrape. */
export type DeploysSince = (since: string) => Pick<DeployRecord, 'id' | 'service' | 'kind' | 'outcome'>[];
/** The last medic check of each service, as the store keeps it: its report lists a result per check. */
export type LastChecks = () => { service: string; at: string; report: unknown }[];

/** Seconds: a crash is seen within one, a failing health check after `failures` intervals. */
const DETECT_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** Seconds: systemd's own restart, medic's back-off, a human. */
const RECOVER_BUCKETS = [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600];
const OUTCOMES: DeployRecord['outcome'][] = ['live', 'rolled_back', 'failed'];

export interface Metrics {
  update(service: string, change: MetricChange): void;
  close(): Promise<void>;
}

export async function startMetrics(
  address: string,
  services: WatchedService[],
  deploysSince?: DeploysSince,
  lastChecks?: LastChecks,
): Promise<Metrics> {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(address);
  if (!m) throw new UsageError(`--metrics ${address}: give HOST:PORT, e.g. 127.0.0.1:9105`);
  const client = await import('prom-client');
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'medic_' });
  const about = (name: string, help: string, labelNames = ['service']) => ({
    name,
    help,
    labelNames,
    registers: [registry],
  });
  const up = new client.Gauge(about('medic_service_up', '1 when the service has no open incident'));
  const restarts = new client.Counter(
    about('medic_restarts_total', 'restarts seen, by who restarted', ['service', 'by']),
  );
  const open = new client.Gauge(about('medic_open_incidents', 'incidents not resolved'));
  const latency = new client.Gauge(about('medic_health_latency_seconds', 'the last health request'));
  const incidents = new client.Counter(
    about('medic_incidents_total', 'incidents diagnosed, by cause ("unknown" when none was found)', [
      'service',
      'cause',
    ]),
  );
  const detect = new client.Histogram({
    ...about('medic_time_to_detect_seconds', 'from the first sign of an incident to medic opening it'),
    buckets: DETECT_BUCKETS,
  });
  const recover = new client.Histogram({
    ...about('medic_time_to_recover_seconds', 'from the start of an incident to the service healthy again'),
    buckets: RECOVER_BUCKETS,
  });
  // deploys are medic deploy's: counted from its records in the store as they appear
  const since = new Date().toISOString();
  let counted = 0;
  const deploys = new client.Counter({
    ...about(
      'medic_deploys_total',
      'deploys and rollbacks by medic deploy since medic watch started, by outcome',
      ['service', 'kind', 'outcome'],
    ),
    collect() {
      let fresh: ReturnType<DeploysSince> = [];
      try {
        fresh = (deploysSince?.(since) ?? []).filter((d) => d.id > counted);
      } catch {
        return; // the store is busy: the next scrape counts them
      }
      for (const d of fresh) this.inc({ service: d.service, kind: d.kind, outcome: d.outcome });
      counted = Math.max(counted, ...fresh.map((d) => d.id));
    },
  });
  // the last medic check of each service: one series per check with its status as a label, value 1
  new client.Gauge({
    ...about('medic_check_result', "the last medic check's verdict per check (value 1, status in a label)", [
      'service',
      'check',
      'status',
    ]),
    collect() {
      let runs: ReturnType<LastChecks> = [];
      try {
        runs = lastChecks?.() ?? [];
      } catch {
        return; // the store is busy: the next scrape reads it
      }
      this.reset();
      for (const run of runs) {
        const results = (run.report as { results?: { id?: unknown; status?: unknown }[] })?.results ?? [];
        for (const r of results)
          if (typeof r.id === 'string' && typeof r.status === 'string')
            this.set({ service: run.service, check: r.id, status: r.status }, 1);
      }
    },
  });
  for (const s of services) {
    up.set({ service: s.name }, 1);
    open.set({ service: s.name }, 0);
    restarts.inc({ service: s.name, by: 'systemd' }, 0);
    restarts.inc({ service: s.name, by: 'medic' }, 0);
    detect.zero({ service: s.name });
    recover.zero({ service: s.name });
    for (const outcome of OUTCOMES) deploys.inc({ service: s.name, kind: 'deploy', outcome }, 0);
  }
  const server = await serveHttp(m[1] || '127.0.0.1', Number(m[2]), async (path) =>
    path === '/metrics'
      ? { status: 200, contentType: registry.contentType, body: await registry.metrics() }
      : { status: 404, contentType: 'text/plain', body: 'medic: /metrics\n' },
  ).catch((e: unknown) => {
    throw new UsageError(`--metrics ${address}: ${e instanceof Error ? e.message : String(e)}`);
  });
  return {
    update(service, change) {
      if (change.up !== undefined) {
        up.set({ service }, change.up ? 1 : 0);
        open.set({ service }, change.up ? 0 : 1);
      }
      if (change.restart) restarts.inc({ service, by: change.restart });
      if (change.latencyMs !== undefined) latency.set({ service }, change.latencyMs / 1000);
      if (change.cause !== undefined) incidents.inc({ service, cause: change.cause });
      if (change.detectMs !== undefined) detect.observe({ service }, change.detectMs / 1000);
      if (change.recoverMs !== undefined) recover.observe({ service }, change.recoverMs / 1000);
    },
    close: () => server.close(),
  };
}
