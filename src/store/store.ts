// medic's memory: incidents, their timelines and the alert outbox in one SQLite file (node:sqlite).
// WAL with synchronous=FULL: a transaction that returned is on disk, so a SIGKILL loses nothing committed.
// Everything written here has been masked already; the store never sees a secret.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { UsageError } from '../errors.ts';
import { migrate, MIGRATIONS, NewerStore, schemaVersion } from './migrations.ts';

export const DEFAULT_STORE = '/var/lib/medic/medic.db';

/** Check runs kept per service: enough to see the last ones, small enough never to matter. */
const CHECK_RUNS_KEPT = 20;

/** The store medic uses: --store, else watch.store in medic.yaml, else the default; never a shared store's URL. */
export function storePathOf(
  config: { watch?: { store?: string | undefined } | undefined } | null,
  override?: string,
): string {
  const path = (p: string | undefined) => (p && !/^(?:postgres(?:ql)?:\/\/|\$\{)/.test(p) ? p : undefined);
  return path(override) ?? path(config?.watch?.store) ?? DEFAULT_STORE;
}

/** The next_at of a message medic stopped retrying: later than any real time. */
export const GAVE_UP = '9999-12-31T23:59:59.999Z';

export type IncidentState = 'open' | 'gave_up' | 'resolved';

export interface Incident {
  id: number;
  /** The host it happened on: set when read from the shared store, where ids are per host. */
  host?: string;
  service: string;
  unit: string;
  state: IncidentState;
  /** What opened it: crash, failed, restart_loop, unhealthy, oom, worker_killed, stopped. */
  trigger: string;
  summary: string;
  /** The first sign of the failure (the journal's time of the crash, the first failed probe). */
  startedAt: string;
  /** When medic recorded the incident. */
  detectedAt: string;
  /** Health came back (the start of the window that resolved it). */
  recoveredAt: string | null;
  resolvedAt: string | null;
  /** Every restart while it was open: systemd's own and medic's. */
  restarts: number;
  medicRestarts: number;
  causeId: string | null;
  causeTitle: string | null;
  firstFatal: string | null;
  /** The full diagnosis, masked, as JSON. */
  diagnosis: unknown;
  openAlerted: boolean;
}

export interface IncidentEvent {
  id: number;
  incidentId: number;
  time: string;
  /** crash, systemd, restart, health, diagnosis, alert, resolved, gave_up, note. */
  kind: string;
  text: string;
}

export interface OutboxMessage {
  id: number;
  incidentId: number;
  /** opened, resolved, gave_up. */
  kind: string;
  /** The notifier it goes to (its kind and a hash of its address). */
  notifier: string;
  payload: unknown;
  createdAt: string;
  attempts: number;
  nextAt: string;
  deliveredAt: string | null;
  lastError: string | null;
}

/** A deploy or rollback as medic deploy recorded it: a marker on incident timelines and in diagnose. */
export interface DeployRecord {
  id: number;
  /** Set when read from the shared store. */
  host?: string;
  service: string;
  kind: 'deploy' | 'rollback';
  release: string;
  previous: string | null;
  source: string;
  startedAt: string;
  finishedAt: string;
  /** live: the release serves; rolled_back: it served, failed its watch and the previous one is back; failed: it never served. */
  outcome: 'live' | 'rolled_back' | 'failed';
  /** The step that failed, for rolled_back and failed. */
  step: string | null;
  message: string | null;
}

/** One health answer of a service, as medic watch sampled it (at most one each HEALTH_SAMPLE_MS). */
export interface HealthSample {
  at: string;
  ok: boolean;
  ms: number;
  status: number | null;
  problem: string | null;
}

/** A service's health over a while, for the dashboard: see Store.healthSummary. */
export interface HealthSummary {
  samples: number;
  failed: number;
  medianMs: number | null;
  maxMs: number | null;
  last: HealthSample | null;
  /** When the run of answers like the last one (passing, or failing) began. */
  runSince: string | null;
  /** Buckets that hold samples, oldest first: their start (ms since the epoch) and what they hold. */
  buckets: { at: number; okMs: number | null; failedMs: number | null }[];
}

/** One `medic check` of one service: its report as `medic check --format json` prints it, masked. */
export interface CheckRun {
  id: number;
  /** Set when read from the shared store. */
  host?: string;
  service: string;
  at: string;
  /** The command that runs it again. */
  command: string;
  report: unknown;
}

/** A deploy as one line of a timeline. */
export function deployMarker(d: DeployRecord): string {
  const what = d.kind === 'rollback' ? `medic rollback to ${d.release}` : `medic deploy of ${d.release}`;
  if (d.outcome === 'live') return `${what}: live (was ${d.previous ?? 'none'})`;
  if (d.outcome === 'rolled_back')
    return `${what}: rolled back at ${d.step ?? '?'} (${d.previous ?? 'the previous release'} serves again)`;
  return `${what}: failed at ${d.step ?? '?'}, never served`;
}

/** The deploys that belong on an incident's timeline: from an hour before it started (a deploy that broke it) to its end. */
export function deployWindow(incident: Incident): { from: string; to: string } {
  return {
    from: new Date(Date.parse(incident.startedAt) - 3600_000).toISOString(),
    to: incident.resolvedAt ?? '9999',
  };
}

/** An incident's events with the deploys around it as markers, in time order. */
export function timelineOf(
  incident: Incident,
  events: IncidentEvent[],
  deploys: DeployRecord[],
): IncidentEvent[] {
  const markers = deploys.map((d) => ({
    id: 0,
    incidentId: incident.id,
    time: d.finishedAt,
    kind: 'deploy',
    text: deployMarker(d),
  }));
  return [...events, ...markers].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}

type Row = Record<string, unknown>;

/** The summary of a service with no samples. */
export function noHealth(): HealthSummary {
  return { samples: 0, failed: 0, medianMs: null, maxMs: null, last: null, runSince: null, buckets: [] };
}

/**
 * A health summary from what a store's queries found (this host's SQLite store, or the shared one): the counts
 * (n, failed, max), the median's row (ms), the last sample, the run's start (at), the buckets (b, okMs, failedMs).
 */
export function healthSummaryOf(q: {
  counts: Row;
  median: Row | undefined;
  last: HealthSample | null;
  run: Row | undefined;
  buckets: Row[];
  bucketMs: number;
}): HealthSummary {
  const n = Number(q.counts['n']);
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    samples: n,
    failed: Number(q.counts['failed']),
    medianMs: num(q.median?.['ms']),
    maxMs: num(q.counts['max']),
    last: q.last,
    runSince: (q.run?.['at'] as string | null | undefined) ?? null,
    buckets: q.buckets.map((r) => ({
      at: Number(r['b']) * q.bucketMs,
      okMs: r['okMs'] === null ? null : Math.round(Number(r['okMs'])),
      failedMs: num(r['failedMs']),
    })),
  };
}

// An undelivered, still retried message with no older one of its incident waiting for the same notifier.
const HEAD = `o.delivered_at IS NULL AND o.next_at != ? AND NOT EXISTS (
  SELECT 1 FROM outbox p WHERE p.notifier = o.notifier AND p.incident_id = o.incident_id AND p.delivered_at IS NULL
    AND p.next_at != ? AND p.id < o.id)`;

/** A row of incidents, from this store or the shared one (where JSON comes parsed and flags as booleans). */
export function incidentOf(r: Row): Incident {
  return {
    id: Number(r['id']),
    service: String(r['service']),
    unit: String(r['unit']),
    state: String(r['state']) as IncidentState,
    trigger: String(r['trigger']),
    summary: String(r['summary']),
    startedAt: String(r['started_at']),
    detectedAt: String(r['detected_at']),
    recoveredAt: (r['recovered_at'] as string | null) ?? null,
    resolvedAt: (r['resolved_at'] as string | null) ?? null,
    restarts: Number(r['restarts']),
    medicRestarts: Number(r['medic_restarts']),
    causeId: (r['cause_id'] as string | null) ?? null,
    causeTitle: (r['cause_title'] as string | null) ?? null,
    firstFatal: (r['first_fatal'] as string | null) ?? null,
    diagnosis:
      typeof r['diagnosis'] === 'string' ? (JSON.parse(r['diagnosis']) as unknown) : (r['diagnosis'] ?? null),
    openAlerted: r['open_alerted'] === true || Number(r['open_alerted']) === 1,
  };
}

export function sampleOf(r: Row): HealthSample {
  return {
    at: String(r['at']),
    ok: r['ok'] === true || Number(r['ok']) === 1,
    ms: Number(r['ms']),
    status: r['status'] === null ? null : Number(r['status']),
    problem: (r['problem'] as string | null) ?? null,
  };
}

export function eventOf(r: Row): IncidentEvent {
  return {
    id: Number(r['id']),
    incidentId: Number(r['incident_id']),
    time: String(r['time']),
    kind: String(r['kind']),
    text: String(r['text']),
  };
}

export function deployOf(r: Row): DeployRecord {
  return {
    id: Number(r['id']),
    service: String(r['service']),
    kind: String(r['kind']) as DeployRecord['kind'],
    release: String(r['release']),
    previous: (r['previous'] as string | null) ?? null,
    source: String(r['source']),
    startedAt: String(r['started_at']),
    finishedAt: String(r['finished_at']),
    outcome: String(r['outcome']) as DeployRecord['outcome'],
    step: (r['step'] as string | null) ?? null,
    message: (r['message'] as string | null) ?? null,
  };
}

export function messageOf(r: Row): OutboxMessage {
  return {
    id: Number(r['id']),
    incidentId: Number(r['incident_id']),
    kind: String(r['kind']),
    notifier: String(r['notifier']),
    payload: typeof r['payload'] === 'string' ? (JSON.parse(r['payload']) as unknown) : r['payload'],
    createdAt: String(r['created_at']),
    attempts: Number(r['attempts']),
    nextAt: String(r['next_at']),
    deliveredAt: (r['delivered_at'] as string | null) ?? null,
    lastError: (r['last_error'] as string | null) ?? null,
  };
}

export class Store {
  readonly path: string;
  private db: DatabaseSync;

  private constructor(path: string, db: DatabaseSync) {
    this.path = path;
    this.db = db;
  }

  /**
   * Opens an existing store to read only, as it is (no migration): for medic serve, which changes nothing.
   * Null when there is none yet; a store it cannot read is a one-line UsageError.
   */
  static openReadOnly(path: string): Store | null {
    if (!existsSync(path)) return null;
    try {
      const db = new DatabaseSync(path, { readOnly: true });
      db.exec('PRAGMA busy_timeout = 5000');
      return new Store(path, db);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new UsageError(`cannot read medic's store ${path}: ${message.split('\n')[0]}`);
    }
  }

  /** The schema version the store is at (an older medic may run beside a newer reader). */
  version(): number {
    return schemaVersion(this.db);
  }

  /** Opens (creating when `create`) the store; a path medic cannot use is a one-line UsageError. */
  static open(path: string, opts: { create: boolean }): Store {
    try {
      if (opts.create) mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
      const db = new DatabaseSync(path);
      db.exec('PRAGMA busy_timeout = 5000');
      db.exec('PRAGMA journal_mode = WAL');
      db.exec('PRAGMA synchronous = FULL');
      migrate(db, MIGRATIONS);
      return new Store(path, db);
    } catch (error) {
      if (error instanceof NewerStore) throw new UsageError(`medic's store ${path}: ${error.message}`);
      const message = error instanceof Error ? error.message : String(error);
      throw new UsageError(`cannot open medic's store ${path}: ${message.split('\n')[0]}`);
    }
  }

  close(): void {
    this.db.close();
  }

  recordDeploy(d: Omit<DeployRecord, 'id'>): number {
    const r = this.db
      .prepare(
        'INSERT INTO deploys (service, kind, release, previous, source, started_at, finished_at, outcome, step, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        d.service,
        d.kind,
        d.release,
        d.previous,
        d.source,
        d.startedAt,
        d.finishedAt,
        d.outcome,
        d.step,
        d.message,
      );
    return Number(r.lastInsertRowid);
  }

  /**
   * An incident's events with the deploys of its service as markers: from an hour before it started (a
   * deploy that broke it) to its end (a rollback that fixed it).
   */
  timeline(incident: Incident): IncidentEvent[] {
    return timelineOf(incident, this.events(incident.id), this.deploysAround(incident));
  }

  /** The deploys of the incident's service from an hour before it started to its end, newest first. */
  deploysAround(incident: Incident): DeployRecord[] {
    const { from, to } = deployWindow(incident);
    return this.deploys(incident.service, from).filter((d) => d.finishedAt <= to);
  }

  /**
   * Deploys of a service, newest first, from a store opened read-only: for diagnose, which may run as a user
   * that cannot write the store, and must never create one. Nothing when there is no store or no table.
   */
  static readDeploys(path: string, service: string, since: string): DeployRecord[] {
    if (!existsSync(path)) return [];
    try {
      const db = new DatabaseSync(path, { readOnly: true });
      try {
        return new Store(path, db).deploys(service, since);
      } finally {
        db.close();
      }
    } catch {
      return [];
    }
  }

  /**
   * Records `medic check` runs in a store that exists and this user may write; silent otherwise: a check
   * never fails, nor says more, because of its record (and never creates a store another user then lacks).
   */
  static recordCheckRuns(
    path: string,
    runs: (Omit<CheckRun, 'id'> & { summary: Record<'pass' | 'warn' | 'fail' | 'skip', number> })[],
  ): void {
    if (runs.length === 0 || !existsSync(path)) return;
    let store: Store | null = null;
    try {
      store = Store.open(path, { create: false });
      for (const r of runs) store.recordCheckRun(r);
    } catch {
      // read-only, locked or older: the check's output is what matters
    } finally {
      try {
        store?.close();
      } catch {
        // closing a store that failed to write
      }
    }
  }

  /** Deploys of a service (all services when null), newest first, finished at or after `since`. */
  deploys(service: string | null, since = '', limit = 50): DeployRecord[] {
    return this.db
      .prepare(
        'SELECT * FROM deploys WHERE (? IS NULL OR service = ?) AND finished_at >= ? ORDER BY id DESC LIMIT ?',
      )
      .all(service, service, since, limit)
      .map(deployOf);
  }

  /** Runs `fn` in one transaction: all of it is committed, or none. */
  transaction<T>(fn: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const out = fn();
      this.db.exec('COMMIT');
      return out;
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  openIncident(i: {
    service: string;
    unit: string;
    trigger: string;
    summary: string;
    startedAt: string;
    detectedAt: string;
  }): Incident {
    const r = this.db
      .prepare(
        `INSERT INTO incidents (service, unit, state, trigger, summary, started_at, detected_at)
         VALUES (?, ?, 'open', ?, ?, ?, ?) RETURNING *`,
      )
      .get(i.service, i.unit, i.trigger, i.summary, i.startedAt, i.detectedAt) as Row;
    return incidentOf(r);
  }

  incident(id: number): Incident | null {
    const r = this.db.prepare('SELECT * FROM incidents WHERE id = ?').get(id) as Row | undefined;
    return r ? incidentOf(r) : null;
  }

  /** The incident of this service that is not resolved yet (open, or given up on), if any. */
  currentIncident(service: string): Incident | null {
    const r = this.db
      .prepare(`SELECT * FROM incidents WHERE service = ? AND state != 'resolved' ORDER BY id DESC LIMIT 1`)
      .get(service) as Row | undefined;
    return r ? incidentOf(r) : null;
  }

  incidents(filter: { service?: string; state?: IncidentState; limit?: number } = {}): Incident[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.service) {
      where.push('service = ?');
      args.push(filter.service);
    }
    if (filter.state) {
      where.push('state = ?');
      args.push(filter.state);
    }
    args.push(filter.limit ?? 50);
    return (
      this.db
        .prepare(
          `SELECT * FROM incidents ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
        )
        .all(...args) as Row[]
    ).map(incidentOf);
  }

  update(
    id: number,
    change: Partial<
      Pick<
        Incident,
        | 'state'
        | 'recoveredAt'
        | 'resolvedAt'
        | 'restarts'
        | 'medicRestarts'
        | 'causeId'
        | 'causeTitle'
        | 'firstFatal'
        | 'summary'
        | 'openAlerted'
      > & { diagnosis: unknown }
    >,
  ): void {
    const columns: Record<string, string> = {
      state: 'state',
      recoveredAt: 'recovered_at',
      resolvedAt: 'resolved_at',
      restarts: 'restarts',
      medicRestarts: 'medic_restarts',
      causeId: 'cause_id',
      causeTitle: 'cause_title',
      firstFatal: 'first_fatal',
      summary: 'summary',
      openAlerted: 'open_alerted',
      diagnosis: 'diagnosis',
    };
    const sets: string[] = [];
    const args: (string | number | null)[] = [];
    for (const [key, value] of Object.entries(change)) {
      const column = columns[key];
      if (!column || value === undefined) continue;
      sets.push(`${column} = ?`);
      if (key === 'diagnosis') args.push(value === null ? null : JSON.stringify(value));
      else if (typeof value === 'boolean') args.push(value ? 1 : 0);
      else args.push(value as string | number | null);
    }
    if (sets.length === 0) return;
    this.db.prepare(`UPDATE incidents SET ${sets.join(', ')} WHERE id = ?`).run(...args, id);
  }

  addEvent(incidentId: number, time: string, kind: string, text: string): void {
    this.db
      .prepare('INSERT INTO events (incident_id, time, kind, text) VALUES (?, ?, ?, ?)')
      .run(incidentId, time, kind, text);
  }

  events(incidentId: number): IncidentEvent[] {
    return (
      this.db.prepare('SELECT * FROM events WHERE incident_id = ? ORDER BY time, id').all(incidentId) as Row[]
    ).map(eventOf);
  }

  /** Times of this service's restarts, systemd's and medic's, since `since`: the restart limit's window. */
  restartTimes(service: string, since: string): string[] {
    return (
      this.db
        .prepare(
          `SELECT e.time FROM events e JOIN incidents i ON i.id = e.incident_id
           WHERE i.service = ? AND e.kind IN ('systemd_restart', 'medic_restart') AND e.time >= ? ORDER BY e.time`,
        )
        .all(service, since) as Row[]
    ).map((r) => String(r['time']));
  }

  /** Queues a message once: a second call for the same incident, kind and notifier does nothing. */
  enqueue(m: { incidentId: number; kind: string; notifier: string; payload: unknown; now: string }): boolean {
    const r = this.db
      .prepare(
        `INSERT OR IGNORE INTO outbox (incident_id, kind, notifier, payload, created_at, next_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(m.incidentId, m.kind, m.notifier, JSON.stringify(m.payload), m.now, m.now);
    return Number(r.changes) > 0;
  }

  /**
   * Messages whose time has come, the oldest undelivered one per notifier and incident only: a receiver gets
   * an incident's messages in order, one it refuses holds back no other incident's, and one given up on no
   * longer holds back the next.
   */
  due(now: string, limit = 20): OutboxMessage[] {
    return (
      this.db
        .prepare(`SELECT * FROM outbox o WHERE ${HEAD} AND o.next_at <= ? ORDER BY o.id LIMIT ?`)
        .all(GAVE_UP, GAVE_UP, now, limit) as Row[]
    ).map(messageOf);
  }

  /** When the next message is due, if any is waiting. */
  nextDue(): string | null {
    const r = this.db
      .prepare(`SELECT MIN(o.next_at) AS at FROM outbox o WHERE ${HEAD}`)
      .get(GAVE_UP, GAVE_UP) as Row | undefined;
    return (r?.['at'] as string | null) ?? null;
  }

  delivered(id: number, at: string): void {
    this.db
      .prepare('UPDATE outbox SET delivered_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?')
      .run(at, id);
  }

  failed(id: number, error: string, nextAt: string | null): void {
    // nextAt null: given up on; it stays in the store, undelivered, with its last error.
    this.db
      .prepare(`UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_at = ? WHERE id = ?`)
      .run(error, nextAt ?? GAVE_UP, id);
  }

  outbox(incidentId: number): OutboxMessage[] {
    return (
      this.db.prepare('SELECT * FROM outbox WHERE incident_id = ? ORDER BY id').all(incidentId) as Row[]
    ).map(messageOf);
  }

  /** A health answer; samples older than `keepSince` go. */
  recordHealth(service: string, s: HealthSample, keepSince: string): void {
    this.transaction(() => {
      this.db
        .prepare(
          'INSERT INTO health_samples (service, at, ok, ms, status, problem) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(service, s.at, s.ok ? 1 : 0, Math.round(s.ms), s.status, s.problem);
      this.db.prepare('DELETE FROM health_samples WHERE service = ? AND at < ?').run(service, keepSince);
    });
  }

  /** A service's health samples since `since`, oldest first (none in a store older than the samples). */
  healthSamples(service: string, since: string): HealthSample[] {
    if (this.version() < 2) return [];
    return (
      this.db
        .prepare('SELECT * FROM health_samples WHERE service = ? AND at >= ? ORDER BY at, id')
        .all(service, since) as Row[]
    ).map(sampleOf);
  }

  /**
   * A service's health since `since`, summed up by SQLite rather than read sample by sample: the counts, the
   * median and slowest answer that passed, the last answer and when the run like it began, and the chart's
   * buckets of `bucketMs` (the mean of the answers that passed, the slowest that failed).
   */
  healthSummary(service: string, since: string, bucketMs: number): HealthSummary {
    if (this.version() < 2) return noHealth();
    const counts = this.db
      .prepare(
        `SELECT COUNT(*) AS n, COALESCE(SUM(ok = 0), 0) AS failed, MAX(CASE WHEN ok THEN ms END) AS max
         FROM health_samples WHERE service = ? AND at >= ?`,
      )
      .get(service, since) as Row;
    const n = Number(counts['n']);
    if (n === 0) return noHealth();
    const passed = n - Number(counts['failed']);
    const median = passed
      ? (this.db
          .prepare(
            'SELECT ms FROM health_samples WHERE service = ? AND at >= ? AND ok = 1 ORDER BY ms LIMIT 1 OFFSET ?',
          )
          .get(service, since, Math.floor(passed / 2)) as Row | undefined)
      : undefined;
    const lastRow = this.db
      .prepare('SELECT * FROM health_samples WHERE service = ? ORDER BY at DESC, id DESC LIMIT 1')
      .get(service) as Row;
    const last = sampleOf(lastRow);
    const run = this.db
      .prepare(
        `SELECT MIN(at) AS at FROM health_samples WHERE service = ? AND at >= ?
         AND at > COALESCE((SELECT MAX(at) FROM health_samples WHERE service = ? AND ok != ?), '')`,
      )
      .get(service, since, service, last.ok ? 1 : 0) as Row;
    const buckets = this.db
      .prepare(
        `SELECT CAST(strftime('%s', at) AS INTEGER) / CAST(? AS INTEGER) AS b, AVG(CASE WHEN ok THEN ms END) AS okMs,
         MAX(CASE WHEN ok = 0 THEN ms END) AS failedMs
         FROM health_samples WHERE service = ? AND at >= ? GROUP BY b ORDER BY b`,
      )
      .all(bucketMs / 1000, service, since) as Row[];
    return healthSummaryOf({ counts, median, last, run, buckets, bucketMs });
  }

  /** A `medic check` of one service; the last CHECK_RUNS_KEPT of each service are kept. */
  recordCheckRun(
    run: Omit<CheckRun, 'id'> & { summary: Record<'pass' | 'warn' | 'fail' | 'skip', number> },
  ): void {
    const { summary } = run;
    this.transaction(() => {
      this.db
        .prepare(
          'INSERT INTO check_runs (service, at, command, pass, warn, fail, skip, report) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(
          run.service,
          run.at,
          run.command,
          summary.pass,
          summary.warn,
          summary.fail,
          summary.skip,
          JSON.stringify(run.report),
        );
      this.db
        .prepare(
          'DELETE FROM check_runs WHERE service = ? AND id NOT IN (SELECT id FROM check_runs WHERE service = ? ORDER BY id DESC LIMIT ?)',
        )
        .run(run.service, run.service, CHECK_RUNS_KEPT);
    });
  }

  /** The last `medic check` of each service, by service name. */
  lastCheckRuns(): CheckRun[] {
    if (this.version() < 2) return [];
    return (
      this.db
        .prepare(
          'SELECT * FROM check_runs WHERE id IN (SELECT MAX(id) FROM check_runs GROUP BY service) ORDER BY service',
        )
        .all() as Row[]
    ).map((r) => ({
      id: Number(r['id']),
      service: String(r['service']),
      at: String(r['at']),
      command: String(r['command']),
      report: JSON.parse(String(r['report'])) as unknown,
    }));
  }

  /** Changes whenever anything a reader shows changes: a new incident, event, deploy, sample or check. */
  changeMark(): string {
    const tables = [
      'incidents',
      'events',
      'deploys',
      ...(this.version() >= 2 ? ['health_samples', 'check_runs'] : []),
    ];
    const r = this.db
      .prepare(`SELECT ${tables.map((t) => `(SELECT MAX(id) FROM ${t})`).join(', ')}`)
      .get() as Row;
    return Object.values(r).join(':');
  }
}
