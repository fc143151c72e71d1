// The Prometheus endpoint of medic watch: per service up, restarts, open incidents and health latency, and
// medic's own process.
import { UsageError } from '../errors.ts';
import { serveHttp } from '../host/http-serve.ts';
import type { MetricChange } from './machine.ts';
import type { WatchedService } from './service.ts';

export interface Metrics {
  update(service: string, change: MetricChange): void;
  close(): Promise<void>;
}

export async function startMetrics(address: string, services: WatchedService[]): Promise<Metrics> {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(address);
  if (!m) throw new UsageError(`--metrics ${address}: give HOST:PORT, e.g. 127.0.0.1:9105`);
  const client = await import('prom-client');
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'medic_' });
  const up = new client.Gauge({
    name: 'medic_service_up',
    help: '1 when the service has no open incident',
    labelNames: ['service'],
    registers: [registry],
  });
  const restarts = new client.Counter({
    name: 'medic_restarts_total',
    help: 'restarts seen, by who restarted',
    labelNames: ['service', 'by'],
    registers: [registry],
  });
  const open = new client.Gauge({
    name: 'medic_open_incidents',
    help: 'incidents not resolved',
    labelNames: ['service'],
    registers: [registry],
  });
  const latency = new client.Gauge({
    name: 'medic_health_latency_seconds',
    help: 'the last health request',
    labelNames: ['service'],
    registers: [registry],
  });
  for (const s of services) {
    up.set({ service: s.name }, 1);
    open.set({ service: s.name }, 0);
    restarts.inc({ service: s.name, by: 'systemd' }, 0);
    restarts.inc({ service: s.name, by: 'medic' }, 0);
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
    },
    close: () => server.close(),
  };
}
