// Delivery of queued alerts: each message is in the store before medic tries to send it, and marked
// delivered only after its receiver said yes; a receiver that is down is retried with back-off until
// `retryFor` has passed. Per receiver and incident, messages go out in order: a "resolved" never overtakes its
// "opened", and an alert a receiver refuses does not hold back another incident's.
// A SIGKILL between a receiver's yes and the mark would resend once: the Idempotency-Key / Message-ID
// stays the same so a receiver can drop it.
// With a shared store, each message is claimed there before it is sent (see store/pg-claims.ts): a daemon
// that finds it sent by another marks it so, one that finds it held waits for the lease. A shared store that
// does not answer is no reason to hold an alert back: it is sent, late or doubled rather than lost.
import type { Alert } from './alert.ts';
import type { Notifier } from './notifiers.ts';
import type { AlertClaims, ClaimedAlert } from '../store/pg-claims.ts';
import { GAVE_UP, type OutboxMessage, type Store } from '../store/store.ts';

export interface OutboxLog {
  (level: 'info' | 'warn', event: string, fields: Record<string, string | number>): void;
}

/** Seconds before the next attempt: 1, 2, 4, 8, then every 15 s while the receiver stays down. */
export function retryDelayMs(attempts: number): number {
  return Math.min(15_000, 1000 * 2 ** Math.max(0, attempts - 1));
}

export class Outbox {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private again = false;
  private stopped = false;
  private readonly store: Store;
  private readonly notifiers: Map<string, Notifier>;
  private readonly log: OutboxLog;
  private readonly retryForMs: number;
  private readonly claims: AlertClaims | null;
  /** Messages another daemon holds: not asked about again before this time (ms). */
  private readonly held = new Map<number, number>();

  constructor(
    store: Store,
    notifiers: Notifier[],
    log: OutboxLog,
    retryForMs: number,
    claims: AlertClaims | null = null,
  ) {
    this.store = store;
    this.notifiers = new Map(notifiers.map((n) => [n.key, n]));
    this.log = log;
    this.retryForMs = retryForMs;
    this.claims = claims;
  }

  /**
   * Queues one alert of an incident for every receiver, in one transaction, and starts delivering it; the
   * number queued (a message queued before is not queued again).
   */
  queue(incidentId: number, kind: string, payload: unknown): number {
    let queued = 0;
    const now = new Date().toISOString();
    this.store.transaction(() => {
      for (const n of this.notifiers.values())
        if (this.store.enqueue({ incidentId, kind, notifier: n.key, payload, now })) queued += 1;
    });
    this.kick();
    return queued;
  }

  /** Delivers what is due now, then sleeps until the next message is due. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running = true;
    void this.deliverDue().finally(() => {
      this.running = false;
      if (this.again) {
        this.again = false;
        this.kick();
      } else this.schedule();
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped) return;
    const next = this.store.nextDue();
    const times = [...this.held.values()];
    if (next && next !== GAVE_UP) times.push(Date.parse(next));
    if (times.length === 0) return;
    const wait = Math.max(0, Math.min(Math.min(...times) - Date.now(), 60_000));
    this.timer = setTimeout(() => this.kick(), wait);
    this.timer.unref?.();
  }

  private async deliverDue(): Promise<void> {
    const due = this.store.due(new Date().toISOString());
    // receivers are independent: one that is down does not hold back the others; to one receiver, the heads
    // of its incidents' queues go one after the other (store.due), and one it refuses holds back no other
    await Promise.all(
      groupBy(due, (m) => m.notifier).map(async (queue) => {
        for (const m of queue) if ((this.held.get(m.id) ?? 0) <= Date.now()) await this.deliver(m);
      }),
    );
  }

  /** One attempt at one message: delivered, marked failed for a retry, or left to the daemon that holds it. */
  private async deliver(m: OutboxMessage): Promise<void> {
    const notifier = this.notifiers.get(m.notifier);
    if (!notifier) {
      this.store.failed(m.id, 'this notifier is no longer in medic.yaml', null);
      return;
    }
    const claimed = claimedAlert(m);
    const go = this.claims && claimed ? await this.mayGo(this.claims, m, claimed, notifier.label) : 'send';
    if (go === 'wait') return;
    this.held.delete(m.id);
    if (go === 'done') return;
    try {
      await notifier.send(m.payload as Alert);
      this.store.delivered(m.id, new Date().toISOString());
      this.log('info', 'alert_delivered', {
        incident: m.incidentId,
        alert: m.kind,
        to: notifier.label,
        attempts: m.attempts + 1,
      });
      if (this.claims && claimed) await this.settle(this.claims.delivered(claimed), m, notifier.label);
    } catch (error) {
      const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'error';
      const expired = Date.now() - Date.parse(m.createdAt) > this.retryForMs;
      const next = expired ? null : new Date(Date.now() + retryDelayMs(m.attempts + 1)).toISOString();
      this.store.failed(m.id, message, next);
      this.log('warn', expired ? 'alert_abandoned' : 'alert_retry', {
        incident: m.incidentId,
        alert: m.kind,
        to: notifier.label,
        attempts: m.attempts + 1,
        error: message,
      });
      if (expired && this.claims && claimed)
        await this.settle(this.claims.release(claimed), m, notifier.label);
    }
  }

  /**
   * send: this daemon holds the claim, or the shared store does not answer. done: another daemon sent it (marked
   * delivered here too, with a note on the timeline). wait: another daemon holds it, until its lease ends.
   */
  private async mayGo(
    claims: AlertClaims,
    m: OutboxMessage,
    claimed: ClaimedAlert,
    to: string,
  ): Promise<'send' | 'done' | 'wait'> {
    let claim;
    try {
      claim = await claims.claim(claimed);
    } catch (error) {
      this.log('warn', 'alert_unclaimed', {
        incident: m.incidentId,
        alert: m.kind,
        to,
        error: oneLine(error),
        hint: 'the shared store does not answer: sent without a claim, another host may send it too',
      });
      return 'send';
    }
    if (claim.kind === 'mine') return 'send';
    if (claim.kind === 'delivered') {
      const now = new Date().toISOString();
      this.store.transaction(() => {
        this.store.delivered(m.id, claim.at);
        this.store.addEvent(
          m.incidentId,
          now,
          'note',
          `the ${m.kind} alert to ${to} went out from ${claim.by}`,
        );
      });
      this.log('info', 'alert_sent_elsewhere', { incident: m.incidentId, alert: m.kind, to, by: claim.by });
      return 'done';
    }
    // ask again when the lease ends (its holder may die), and meanwhile now and then (it may deliver)
    const first = !this.held.has(m.id);
    this.held.set(m.id, Math.min(Date.parse(claim.until) + 50, Date.now() + 5000));
    if (first)
      this.log('info', 'alert_held', {
        incident: m.incidentId,
        alert: m.kind,
        to,
        by: claim.by,
        until: claim.until,
      });
    return 'wait';
  }

  /** Tells the shared store; one that does not answer now learns it from the replicated outbox later. */
  private async settle(told: Promise<void>, m: OutboxMessage, to: string): Promise<void> {
    try {
      await told;
    } catch (error) {
      this.log('warn', 'alert_claim_unsettled', {
        incident: m.incidentId,
        alert: m.kind,
        to,
        error: oneLine(error),
      });
    }
  }
}

/** The failure a queued message is about, from its alert; null for a message no daemon shares. */
function claimedAlert(m: OutboxMessage): ClaimedAlert | null {
  const a = m.payload as Partial<Alert> | null;
  if (!a || typeof a.service !== 'string' || typeof a.unit !== 'string' || typeof a.startedAt !== 'string')
    return null;
  return {
    service: a.service,
    unit: a.unit,
    startedAt: a.startedAt,
    kind: m.kind,
    notifier: m.notifier,
    through: a.through ?? null,
  };
}

function oneLine(error: unknown): string {
  return ((error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'error').trim();
}

function groupBy<T>(items: T[], key: (t: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return [...groups.values()];
}
