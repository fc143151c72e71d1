// Claims on alerts in the shared store, so that two daemons that see the same failure send one alert. The key
// names the failure, not the daemon: the service, its unit, the incident's start as the journal has it, the
// message kind and the receiver. Two hosts that see one failure through the same address (a health URL both
// ask) name it as the first of them did, so it pages once (`twinOf`). A claim is a lease: its holder sends and
// marks it delivered (final); a holder that dies (SIGKILL) before that lets the lease run out, and then
// another daemon takes it over and sends.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { SharedStore } from './pg-store.ts';

/** The failure an alert is about, as any daemon that saw it names it. */
export interface ClaimedAlert {
  service: string;
  unit: string;
  startedAt: string;
  /** opened, resolved, gave_up. */
  kind: string;
  /** The receiver (its kind and a hash of its address). */
  notifier: string;
  /** The address it was seen through when another host may see it too (the alert's `through`). */
  through?: string | null;
}

/** Two hosts' failures seen through one address are one when they started this close together. */
export const TWIN_WINDOW_MS = 120_000;

export type Claim =
  | { kind: 'mine' }
  /** Sent already, by `by`: final. */
  | { kind: 'delivered'; by: string; at: string }
  /** `by` holds it and may be sending it: ask again at `until`. */
  | { kind: 'held'; by: string; until: string };

export function claimKey(a: ClaimedAlert): string {
  return createHash('sha256')
    .update(JSON.stringify([a.service, a.unit, a.startedAt, a.kind, a.notifier]))
    .digest('hex');
}

type Row = Record<string, unknown>;

export class AlertClaims {
  private readonly shared: SharedStore;
  private readonly holder: string;
  private readonly leaseMs: number;

  /** `leaseMs` must be longer than a send may take: a holder still sending must not be overtaken. */
  constructor(shared: SharedStore, holder: string, leaseMs: number) {
    this.shared = shared;
    this.holder = holder;
    this.leaseMs = leaseMs;
  }

  /**
   * Claims the alert for this daemon (again, when it holds it already: the lease starts over). Throws when the
   * shared store does not answer; the caller then sends anyway, as a late or doubled alert beats a lost one.
   */
  claim(given: ClaimedAlert): Promise<Claim> {
    return this.masked(
      this.shared.transaction(async (c) => {
        const a = given.through ? await this.twinOf(c, given) : given;
        const key = claimKey(a);
        await c.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [key]);
        const held = (
          await c.query<Row>(
            `SELECT holder, delivered_at, delivered_by, lease_until, lease_until > now() AS live
           FROM medic.alert_claims WHERE key = $1`,
            [key],
          )
        ).rows[0];
        if (held?.['delivered_at'])
          return { kind: 'delivered', by: String(held['delivered_by']), at: iso(held['delivered_at']) };
        if (held && held['holder'] !== this.holder && held['live'] === true)
          return { kind: 'held', by: String(held['holder']), until: iso(held['lease_until']) };
        // a daemon that sent it while the shared store was away, or died before it marked its claim: its
        // replicated outbox says so
        const sent = await sentElsewhere(c, a, this.holder);
        if (sent) {
          await c.query(
            `INSERT INTO medic.alert_claims AS c (key, service, unit, started_at, kind, notifier, holder, lease_until,
             delivered_at, delivered_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, now(), $8, $7)
           ON CONFLICT (key) DO UPDATE SET delivered_at = EXCLUDED.delivered_at, delivered_by = EXCLUDED.delivered_by`,
            [key, a.service, a.unit, a.startedAt, a.kind, a.notifier, sent.host, sent.at],
          );
          return { kind: 'delivered', by: sent.host, at: sent.at };
        }
        await c.query(
          `INSERT INTO medic.alert_claims AS c (key, service, unit, started_at, kind, notifier, holder, lease_until, through)
         VALUES ($1, $2, $3, $4, $5, $6, $7, now() + $8 * interval '1 millisecond', $9)
         ON CONFLICT (key) DO UPDATE SET holder = EXCLUDED.holder, lease_until = EXCLUDED.lease_until,
           takeovers = c.takeovers + (c.holder <> EXCLUDED.holder)::int`,
          [
            key,
            a.service,
            a.unit,
            a.startedAt,
            a.kind,
            a.notifier,
            this.holder,
            this.leaseMs,
            a.through ?? null,
          ],
        );
        return { kind: 'mine' };
      }),
    );
  }

  /** The alert went out: final, whoever holds it now. */
  async delivered(given: ClaimedAlert): Promise<void> {
    await this.masked(
      this.shared.transaction(async (c) => {
        const a = given.through ? await this.twinOf(c, given) : given;
        await c.query(
          `UPDATE medic.alert_claims SET delivered_at = now(), delivered_by = $2, lease_until = now()
         WHERE key = $1 AND delivered_at IS NULL`,
          [claimKey(a), this.holder],
        );
      }),
    );
  }

  /** This daemon stopped trying (its retries ran out): another may try at once. */
  async release(given: ClaimedAlert): Promise<void> {
    await this.masked(
      this.shared.transaction(async (c) => {
        const a = given.through ? await this.twinOf(c, given) : given;
        await c.query(
          `UPDATE medic.alert_claims SET lease_until = now() WHERE key = $1 AND holder = $2 AND delivered_at IS NULL`,
          [claimKey(a), this.holder],
        );
      }),
    );
  }

  /**
   * The failure this alert is about under the name the first host to see it gave it: another host's incident
   * of the same service, seen through the same address, that started within TWIN_WINDOW_MS. Its opened alert
   * decides (once, under a lock on the address); the alerts after it follow the same twin.
   */
  private async twinOf(c: pg.ClientBase, a: ClaimedAlert): Promise<ClaimedAlert> {
    const mine = [this.holder, a.service, a.unit, a.startedAt, a.notifier];
    const known = (
      await c.query<Row>(
        `SELECT twin_unit, twin_started_at FROM medic.alert_twins
         WHERE holder = $1 AND service = $2 AND unit = $3 AND started_at = $4 AND notifier = $5`,
        mine,
      )
    ).rows[0];
    if (known) return { ...a, unit: String(known['twin_unit']), startedAt: String(known['twin_started_at']) };
    if (a.kind !== 'opened') return a;
    await c.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 1))', [
      JSON.stringify([a.service, a.through, a.notifier]),
    ]);
    const at = Date.parse(a.startedAt);
    const twin = (
      await c.query<Row>(
        `SELECT unit, started_at FROM medic.alert_claims
         WHERE service = $1 AND through = $2 AND kind = 'opened' AND notifier = $3 AND holder <> $4
           AND started_at BETWEEN $5 AND $6
         ORDER BY claimed_at LIMIT 1`,
        [
          a.service,
          a.through,
          a.notifier,
          this.holder,
          new Date(at - TWIN_WINDOW_MS).toISOString(),
          new Date(at + TWIN_WINDOW_MS).toISOString(),
        ],
      )
    ).rows[0];
    if (!twin) return a;
    await c.query(
      `INSERT INTO medic.alert_twins (holder, service, unit, started_at, notifier, twin_unit, twin_started_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
      [...mine, twin['unit'], twin['started_at']],
    );
    return { ...a, unit: String(twin['unit']), startedAt: String(twin['started_at']) };
  }

  /** A failure as one line without the store's password. */
  private async masked<T>(p: Promise<T>): Promise<T> {
    try {
      return await p;
    } catch (error) {
      throw new Error(this.shared.problem(error));
    }
  }
}

/** Another host's replicated outbox row for the same failure, marked delivered. */
async function sentElsewhere(
  c: pg.ClientBase,
  a: ClaimedAlert,
  holder: string,
): Promise<{ host: string; at: string } | null> {
  const r = (
    await c.query<Row>(
      `SELECT o.host, o.delivered_at FROM medic.outbox o
       JOIN medic.incidents i ON i.host = o.host AND i.id = o.incident_id
       WHERE i.service = $1 AND i.unit = $2 AND i.started_at = $3 AND o.kind = $4 AND o.notifier = $5
         AND o.delivered_at IS NOT NULL AND o.host <> $6
       ORDER BY o.delivered_at LIMIT 1`,
      [a.service, a.unit, a.startedAt, a.kind, a.notifier, holder],
    )
  ).rows[0];
  return r ? { host: String(r['host']), at: String(r['delivered_at']) } : null;
}

function iso(v: unknown): string {
  return v instanceof Date ? v.toISOString() : String(v);
}
