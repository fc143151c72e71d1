// Ships this host's journal (its SQLite store, which stays the truth) to the shared store: what changed since
// the last rows shipped, keyed by (host, local id), so a replay overwrites a row with itself and never adds it
// twice. The cursors live in PostgreSQL beside the rows, updated in the same transaction: a crash of medic or of
// PostgreSQL between the two cannot lose or double a row, and a database rebuilt empty gets everything again.
// A PostgreSQL that is down costs nothing but lag: the loop backs off and catches up when it answers again.
import { DatabaseSync } from 'node:sqlite';
import type { SharedStore } from './pg-store.ts';

export interface ReplicatorLog {
  (level: 'info' | 'warn', event: string, fields: Record<string, string | number>): void;
}

interface TableSpec {
  table: string;
  /** The column of medic.hosts that holds how far it was shipped. */
  cursor: string;
  /** rev for rows updated in place (bumped by the store's triggers), id for rows only ever added. */
  by: 'rev' | 'id';
  /** Columns the local store holds as JSON text, shipped as JSON. */
  json?: string[];
  /** Columns the local store holds as 0/1. */
  bool?: string[];
  /** The local store keeps only the newest rows of each service: the shared store drops the same ones. */
  trimmed?: boolean;
}

const TABLES: readonly TableSpec[] = [
  { table: 'incidents', cursor: 'incidents_rev', by: 'rev', json: ['diagnosis'], bool: ['open_alerted'] },
  { table: 'events', cursor: 'events_id', by: 'id' },
  { table: 'outbox', cursor: 'outbox_rev', by: 'rev', json: ['payload'] },
  { table: 'deploys', cursor: 'deploys_id', by: 'id' },
  { table: 'check_runs', cursor: 'check_runs_id', by: 'id', json: ['report'], trimmed: true },
  { table: 'health_samples', cursor: 'health_samples_id', by: 'id', bool: ['ok'], trimmed: true },
];

/** The columns of each shared table (its key, host and id, first), as medic's PostgreSQL schema has them. */
const COLUMNS: Record<string, string[]> = {
  incidents: [
    'rev',
    'service',
    'unit',
    'state',
    'trigger',
    'summary',
    'started_at',
    'detected_at',
    'recovered_at',
    'resolved_at',
    'restarts',
    'medic_restarts',
    'cause_id',
    'cause_title',
    'first_fatal',
    'diagnosis',
    'open_alerted',
  ],
  events: ['incident_id', 'time', 'kind', 'text'],
  outbox: [
    'rev',
    'incident_id',
    'kind',
    'notifier',
    'payload',
    'created_at',
    'attempts',
    'next_at',
    'delivered_at',
    'last_error',
  ],
  deploys: [
    'service',
    'kind',
    'release',
    'previous',
    'source',
    'started_at',
    'finished_at',
    'outcome',
    'step',
    'message',
  ],
  check_runs: ['service', 'at', 'command', 'pass', 'warn', 'fail', 'skip', 'report'],
  health_samples: ['service', 'at', 'ok', 'ms', 'status', 'problem'],
};

type Row = Record<string, unknown>;

/** A host name stays its machine's while that machine has shipped (or said it is alive) this recently. */
export const HOST_NAME_HELD_MS = 10 * 60_000;

/** Another machine ships to the shared store under this host's name. */
export class HostNameTaken extends Error {
  override name = 'HostNameTaken';
  constructor(host: string, owner: string) {
    super(
      `another machine (machine-id ${owner.slice(0, 12)}…) ships to the shared store as ${host}: two servers with one name would mix their incidents`,
    );
  }
}

export interface ReplicatorOptions {
  /** The local SQLite store (medic watch has opened and migrated it). */
  storePath: string;
  shared: SharedStore;
  /** This store's name in the shared one: the host medic runs on. */
  host: string;
  /**
   * This machine's /etc/machine-id: the shared store remembers which machine ships as `host`, and another
   * machine under the same name (a server cloned from one image) ships nothing until it has a name of its own.
   */
  machineId?: string | null;
  log: ReplicatorLog;
  /** How often the local store is looked at for something new. */
  intervalMs?: number;
  /** Even when nothing changed, the host says it is alive this often. */
  heartbeatMs?: number;
  /** Rows per table per transaction. */
  batch?: number;
  /** What the host's watch knows now of each service: shown by medic serve of another host. */
  services?: () => unknown;
}

export interface Pass {
  rows: number;
  /** A table had more rows than one batch: ship again at once. */
  more: boolean;
}

export class Replicator {
  private readonly o: Required<Omit<ReplicatorOptions, 'services' | 'machineId'>> &
    Pick<ReplicatorOptions, 'services' | 'machineId'>;
  private db: DatabaseSync | null = null;
  private shippedMarks = '';
  private shippedAt = 0;
  private stopped = false;
  private down: { since: number; failures: number } | null = null;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;

  constructor(o: ReplicatorOptions) {
    this.o = { intervalMs: 1000, heartbeatMs: 30_000, batch: 500, ...o };
  }

  /** Ships in the background until stop(); `services`, when given, replaces the option's. */
  start(services?: () => unknown): void {
    if (services) this.o.services = services;
    this.loop ??= this.run();
  }

  /** Something was written: look now rather than at the next interval. */
  kick(): void {
    this.wake?.();
  }

  /** Stops the loop, then ships what is left if the shared store answers. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.wake?.();
    await this.loop;
    if (!this.down) await this.catchUp().catch(() => undefined);
    this.db?.close();
    this.db = null;
  }

  /** Ships until nothing is left; the rows shipped. Throws when the shared store does not answer. */
  async catchUp(): Promise<number> {
    let rows = 0;
    for (;;) {
      const pass = await this.shipOnce();
      rows += pass.rows;
      if (!pass.more) return rows;
    }
  }

  /** One transaction: what changed since the cursors, up to a batch per table, and the cursors moved past it. */
  async shipOnce(): Promise<Pass> {
    const db = this.local();
    const marks = this.localMarks(db);
    const { host, batch } = this.o;
    const pass = await this.o.shared.transaction(async (c) => {
      const machine = this.o.machineId ?? null;
      await c.query(
        'INSERT INTO medic.hosts (host, machine_id) VALUES ($1, $2) ON CONFLICT (host) DO NOTHING',
        [host, machine],
      );
      const cursors = (await c.query<Row>('SELECT * FROM medic.hosts WHERE host = $1 FOR UPDATE', [host]))
        .rows[0];
      // the name is another machine's while that one ships; one silent for longer (reinstalled) gives it up,
      // and its history stays under NAME~MACHINE, apart from this machine's rows (which start at id 1 again)
      let at: Row = cursors ?? {};
      const owner = at['machine_id'];
      const shippedAt = at['shipped_at'];
      const silent = !(shippedAt instanceof Date) || Date.now() - shippedAt.getTime() > HOST_NAME_HELD_MS;
      if (machine && typeof owner === 'string' && owner !== machine) {
        if (!silent) throw new HostNameTaken(host, owner);
        const kept = `${host}~${owner.slice(0, 8)}`;
        for (const t of ['hosts', ...TABLES.map((x) => x.table)])
          await c.query(`UPDATE medic.${t} SET host = $2 WHERE host = $1`, [host, kept]);
        await c.query('INSERT INTO medic.hosts (host, machine_id) VALUES ($1, $2)', [host, machine]);
        at = {};
      } else if (machine && owner !== machine)
        await c.query('UPDATE medic.hosts SET machine_id = $2 WHERE host = $1', [host, machine]);
      const batches = this.read(db, at);
      let rows = 0;
      let more = false;
      const moved: Record<string, number> = {};
      for (const t of TABLES) {
        const list = batches.get(t.table) ?? [];
        if (list.length === 0) continue;
        await c.query(upsertSql(t.table), [shippedJson(list.map((r) => shared(r, t, host)))]);
        moved[t.cursor] = Number(list.at(-1)?.[t.by]);
        rows += list.length;
        more ||= list.length >= batch;
        if (t.trimmed) await c.query(trimSql(t.table), [host, JSON.stringify(this.oldestKept(db, t.table))]);
      }
      const sets = Object.keys(moved).map((k, i) => `${k} = $${i + 3}`);
      await c.query(
        `UPDATE medic.hosts SET ${[...sets, 'shipped_at = now()', 'services = $2'].join(', ')} WHERE host = $1`,
        [host, shippedJson(this.o.services?.() ?? null), ...Object.values(moved)],
      );
      return { rows, more };
    });
    if (!pass.more) this.shippedMarks = marks;
    this.shippedAt = Date.now();
    return pass;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let wait = this.o.intervalMs;
      try {
        const pass = await this.passIfChanged();
        if (this.down) {
          this.o.log('info', 'shared_store_back', {
            store: this.o.shared.shown,
            down_s: Math.round((Date.now() - this.down.since) / 1000),
          });
          this.down = null;
        }
        if (pass.more) wait = 0;
      } catch (error) {
        if (!this.down) {
          this.down = { since: Date.now(), failures: 0 };
          if (error instanceof HostNameTaken)
            this.o.log('warn', 'shared_store_host_taken', {
              store: this.o.shared.shown,
              error: error.message,
              hint: "incidents stay in the local store: set host: in this server's medic.yaml to a name of its own",
            });
          else
            this.o.log('warn', 'shared_store_down', {
              store: this.o.shared.shown,
              error: this.o.shared.problem(error),
              hint: 'incidents stay in the local store and are shipped when it answers',
            });
        }
        this.down.failures += 1;
        wait = Math.min(15_000, this.o.intervalMs * 2 ** (this.down.failures - 1));
      }
      if (this.stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  private async passIfChanged(): Promise<Pass> {
    const quiet = Date.now() - this.shippedAt < this.o.heartbeatMs;
    if (quiet && !this.down && this.localMarks(this.local()) === this.shippedMarks)
      return { rows: 0, more: false };
    return this.shipOnce();
  }

  private local(): DatabaseSync {
    if (!this.db) {
      this.db = new DatabaseSync(this.o.storePath, { readOnly: true });
      this.db.exec('PRAGMA busy_timeout = 5000');
    }
    return this.db;
  }

  /** Where each table of the local store is: any change moves it. */
  private localMarks(db: DatabaseSync): string {
    const r = db
      .prepare(`SELECT ${TABLES.map((t) => `(SELECT MAX(${t.by}) FROM ${t.table})`).join(', ')}`)
      .get() as Row;
    return Object.values(r).join(':');
  }

  /** Each table's rows past its cursor, read in one snapshot of the local store. */
  private read(db: DatabaseSync, cursors: Row): Map<string, Row[]> {
    const out = new Map<string, Row[]>();
    db.exec('BEGIN');
    try {
      for (const t of TABLES)
        out.set(
          t.table,
          db
            .prepare(`SELECT * FROM ${t.table} WHERE ${t.by} > ? ORDER BY ${t.by} LIMIT ?`)
            .all(Number(cursors[t.cursor] ?? 0), this.o.batch) as Row[],
        );
    } finally {
      db.exec('COMMIT');
    }
    return out;
  }

  /** The oldest row the local store keeps of each service. */
  private oldestKept(db: DatabaseSync, table: string): { service: string; id: number }[] {
    return (db.prepare(`SELECT service, MIN(id) AS id FROM ${table} GROUP BY service`).all() as Row[]).map(
      (r) => ({ service: String(r['service']), id: Number(r['id']) }),
    );
  }
}

/** A local row as the shared table takes it: its host, JSON as JSON, 0/1 as booleans. */
function shared(r: Row, t: TableSpec, host: string): Row {
  const out: Row = { host, id: r['id'] };
  for (const c of COLUMNS[t.table] ?? []) {
    const v = r[c] ?? null;
    if (t.json?.includes(c)) out[c] = v === null ? null : (JSON.parse(String(v)) as unknown);
    else if (t.bool?.includes(c)) out[c] = v === null ? null : Number(v) === 1;
    else out[c] = v;
  }
  return out;
}

/** JSON for PostgreSQL, whose text cannot hold a NUL: one read from a log becomes U+FFFD. */
function shippedJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    typeof v === 'string' && v.includes('\u0000') ? v.replaceAll('\u0000', '\uFFFD') : v,
  );
}

function upsertSql(table: string): string {
  const columns = COLUMNS[table] ?? [];
  return `INSERT INTO medic.${table} (host, id, ${columns.join(', ')})
    SELECT host, id, ${columns.join(', ')} FROM json_populate_recordset(NULL::medic.${table}, $1::json)
    ON CONFLICT (host, id) DO UPDATE SET (${columns.join(', ')}) = ROW(${columns.map((c) => `EXCLUDED.${c}`).join(', ')})`;
}

/** Drops this host's rows that its local store no longer keeps (older than the oldest kept of their service). */
function trimSql(table: string): string {
  return `DELETE FROM medic.${table} p USING json_to_recordset($2::json) AS k(service text, id bigint)
    WHERE p.host = $1 AND p.service = k.service AND p.id < k.id`;
}
