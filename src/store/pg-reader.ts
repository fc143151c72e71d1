// The shared store read back: every host's incidents, timelines, alerts, deploys, checks and health, in the
// shapes the SQLite store gives (each row with its host), for medic incidents and the dashboard. Read-only:
// it never creates or migrates the schema, and a database medic never wrote to reads as empty.
import { UsageError } from '../errors.ts';
import type { HostView, IncidentQuery, StoreReader } from './reader.ts';
import type { SharedStore } from './pg-store.ts';
import {
  type CheckRun,
  deployOf,
  eventOf,
  incidentOf,
  messageOf,
  sampleOf,
  type DeployRecord,
  deployWindow,
  type HealthSample,
  type HealthSummary,
  healthSummaryOf,
  type Incident,
  type IncidentEvent,
  noHealth,
  type OutboxMessage,
  timelineOf,
} from './store.ts';

type Row = Record<string, unknown>;

const text = (v: unknown) => (v === null || v === undefined ? null : String(v));

/** A read the shared store did not answer: one line, its password masked (medic serve answers 503). */
export class SharedStoreUnavailable extends UsageError {
  override name = 'SharedStoreUnavailable';
}

export class SharedStoreReader implements StoreReader {
  private readonly shared: SharedStore;
  /** The host a read without one means: this one (the services of medic.yaml are this host's). */
  readonly here: string;
  private version: number | null = null;

  constructor(shared: SharedStore, here: string) {
    this.shared = shared;
    this.here = here;
  }

  async incidents(filter: IncidentQuery = {}): Promise<Incident[]> {
    return (
      await this.rows(
        `SELECT * FROM medic.incidents
         WHERE ($1::text IS NULL OR service = $1) AND ($2::text IS NULL OR state = $2) AND ($3::text IS NULL OR host = $3)
         ORDER BY detected_at DESC, host, id DESC LIMIT $4`,
        [filter.service ?? null, filter.state ?? null, filter.host ?? null, filter.limit ?? 50],
      )
    ).map((r) => ({ ...incidentOf(r), host: String(r['host']) }));
  }

  async incident(id: number, host = this.here): Promise<Incident | null> {
    const [r] = await this.rows('SELECT * FROM medic.incidents WHERE host = $1 AND id = $2', [host, id]);
    return r ? { ...incidentOf(r), host: String(r['host']) } : null;
  }

  /** The hosts that have an incident with this number, for a number given without its host. */
  async hostsWithIncident(id: number): Promise<string[]> {
    return (await this.rows('SELECT host FROM medic.incidents WHERE id = $1 ORDER BY host', [id])).map((r) =>
      String(r['host']),
    );
  }

  async currentIncident(service: string, host = this.here): Promise<Incident | null> {
    const [r] = await this.rows(
      `SELECT * FROM medic.incidents WHERE host = $1 AND service = $2 AND state != 'resolved' ORDER BY id DESC LIMIT 1`,
      [host, service],
    );
    return r ? { ...incidentOf(r), host: String(r['host']) } : null;
  }

  async timeline(incident: Incident): Promise<IncidentEvent[]> {
    const host = incident.host ?? this.here;
    const events = (
      await this.rows('SELECT * FROM medic.events WHERE host = $1 AND incident_id = $2 ORDER BY time, id', [
        host,
        incident.id,
      ])
    ).map(eventOf);
    return timelineOf(incident, events, await this.deploysAround(incident));
  }

  async outbox(incidentId: number, host = this.here): Promise<OutboxMessage[]> {
    return (
      await this.rows('SELECT * FROM medic.outbox WHERE host = $1 AND incident_id = $2 ORDER BY id', [
        host,
        incidentId,
      ])
    ).map(messageOf);
  }

  async deploysAround(incident: Incident): Promise<DeployRecord[]> {
    const { from, to } = deployWindow(incident);
    const list = await this.deploys(incident.service, from, 50, incident.host ?? this.here);
    return list.filter((d) => d.finishedAt <= to);
  }

  /** Deploys of a service (every service when null), on one host or (no host) every host, newest first. */
  async deploys(service: string | null, since = '', limit = 50, host?: string): Promise<DeployRecord[]> {
    return (
      await this.rows(
        `SELECT * FROM medic.deploys WHERE ($1::text IS NULL OR service = $1) AND finished_at >= $2
           AND ($3::text IS NULL OR host = $3)
         ORDER BY finished_at DESC, host, id DESC LIMIT $4`,
        [service, since, host ?? null, limit],
      )
    ).map((r) => ({ ...deployOf(r), host: String(r['host']) }));
  }

  async restartTimes(service: string, since: string, host = this.here): Promise<string[]> {
    return (
      await this.rows(
        `SELECT e.time FROM medic.events e JOIN medic.incidents i ON i.host = e.host AND i.id = e.incident_id
         WHERE e.host = $1 AND i.service = $2 AND e.kind IN ('systemd_restart', 'medic_restart') AND e.time >= $3
         ORDER BY e.time`,
        [host, service, since],
      )
    ).map((r) => String(r['time']));
  }

  async healthSamples(service: string, since: string, host = this.here): Promise<HealthSample[]> {
    return (
      await this.rows(
        'SELECT * FROM medic.health_samples WHERE host = $1 AND service = $2 AND at >= $3 ORDER BY at, id',
        [host, service, since],
      )
    ).map(sampleOf);
  }

  /** The same summary as the SQLite store's (see Store.healthSummary), summed up by PostgreSQL. */
  async healthSummary(
    service: string,
    since: string,
    bucketMs: number,
    host = this.here,
  ): Promise<HealthSummary> {
    const where = 'host = $1 AND service = $2 AND at >= $3';
    const args = [host, service, since];
    const [counts] = await this.rows(
      `SELECT count(*) AS n, count(*) FILTER (WHERE NOT ok) AS failed, max(ms) FILTER (WHERE ok) AS max
       FROM medic.health_samples WHERE ${where}`,
      args,
    );
    const n = Number(counts?.['n'] ?? 0);
    if (!counts || n === 0) return noHealth();
    const passed = n - Number(counts['failed']);
    const [median] = passed
      ? await this.rows(
          `SELECT ms FROM medic.health_samples WHERE ${where} AND ok ORDER BY ms LIMIT 1 OFFSET $4`,
          [...args, Math.floor(passed / 2)],
        )
      : [];
    const [lastRow] = await this.rows(
      'SELECT * FROM medic.health_samples WHERE host = $1 AND service = $2 ORDER BY at DESC, id DESC LIMIT 1',
      [host, service],
    );
    const last = lastRow ? sampleOf(lastRow) : null;
    const [run] = await this.rows(
      `SELECT min(at) AS at FROM medic.health_samples WHERE ${where}
       AND at > COALESCE((SELECT max(at) FROM medic.health_samples WHERE host = $1 AND service = $2 AND ok != $4), '')`,
      [...args, last?.ok ?? true],
    );
    const buckets = await this.rows(
      `SELECT extract(epoch FROM at::timestamptz)::bigint / $4::bigint AS b, avg(ms) FILTER (WHERE ok) AS "okMs",
         max(ms) FILTER (WHERE NOT ok) AS "failedMs"
       FROM medic.health_samples WHERE ${where} GROUP BY b ORDER BY b`,
      [...args, Math.round(bucketMs / 1000)],
    );
    return healthSummaryOf({ counts, median, last, run, buckets, bucketMs });
  }

  /** The last `medic check` of each service of each host (of one host, when given). */
  async lastCheckRuns(host?: string): Promise<CheckRun[]> {
    return (
      await this.rows(
        `SELECT DISTINCT ON (host, service) * FROM medic.check_runs WHERE ($1::text IS NULL OR host = $1)
         ORDER BY host, service, id DESC`,
        [host ?? null],
      )
    ).map((r) => ({
      id: Number(r['id']),
      host: String(r['host']),
      service: String(r['service']),
      at: String(r['at']),
      command: String(r['command']),
      report: r['report'],
    }));
  }

  /** Moves whenever any host ships something. */
  async changeMark(): Promise<string> {
    const [r] = await this.rows(
      `SELECT count(*) AS hosts, COALESCE(sum(incidents_rev + events_id + outbox_rev + deploys_id + check_runs_id
         + health_samples_id), 0) AS shipped FROM medic.hosts`,
    );
    return `${String(r?.['hosts'] ?? 0)}:${String(r?.['shipped'] ?? 0)}`;
  }

  async hosts(): Promise<HostView[]> {
    return (await this.rows('SELECT host, shipped_at, services FROM medic.hosts ORDER BY host')).map((r) => ({
      host: String(r['host']),
      shippedAt: r['shipped_at'] instanceof Date ? r['shipped_at'].toISOString() : text(r['shipped_at']),
      services: Array.isArray(r['services']) ? (r['services'] as HostView['services']) : [],
    }));
  }

  /** Rows, or none while medic has not written to this database yet. */
  private async rows(sql: string, args: unknown[] = []): Promise<Row[]> {
    try {
      this.version ??= (await this.shared.ready()) || null;
      if (!this.version) return [];
      return await this.shared.query<Row>(sql, args);
    } catch (error) {
      throw new SharedStoreUnavailable(
        `the shared store ${this.shared.shown} does not answer: ${this.shared.problem(error)}`,
      );
    }
  }
}
