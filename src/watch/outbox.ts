// Delivery of queued alerts: each message is in the store before medic tries to send it, and marked
// delivered only after its receiver said yes; a receiver that is down is retried with back-off until
// `retryFor` has passed. Per receiver, messages go out in order: a "resolved" never overtakes its "opened".
// A SIGKILL between a receiver's yes and the mark would resend once: the Idempotency-Key / Message-ID
// stays the same so a receiver can drop it.
import type { Alert } from './alert.ts';
import type { Notifier } from './notifiers.ts';
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

  constructor(store: Store, notifiers: Notifier[], log: OutboxLog, retryForMs: number) {
    this.store = store;
    this.notifiers = new Map(notifiers.map((n) => [n.key, n]));
    this.log = log;
    this.retryForMs = retryForMs;
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
    if (!next || next === GAVE_UP) return;
    const wait = Math.max(0, Math.min(Date.parse(next) - Date.now(), 60_000));
    this.timer = setTimeout(() => this.kick(), wait);
    this.timer.unref?.();
  }

  private async deliverDue(): Promise<void> {
    const due = this.store.due(new Date().toISOString());
    // receivers are independent: one that is down does not hold back the others
    await Promise.all(
      groupBy(due, (m) => m.notifier).map(async (queue) => {
        for (const m of queue) if (!(await this.deliver(m))) break;
      }),
    );
  }

  private async deliver(m: OutboxMessage): Promise<boolean> {
    const notifier = this.notifiers.get(m.notifier);
    if (!notifier) {
      this.store.failed(m.id, 'this notifier is no longer in medic.yaml', null);
      return true;
    }
    try {
      await notifier.send(m.payload as Alert);
      this.store.delivered(m.id, new Date().toISOString());
      this.log('info', 'alert_delivered', {
        incident: m.incidentId,
        alert: m.kind,
        to: notifier.label,
        attempts: m.attempts + 1,
      });
      return true;
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
      return false;
    }
  }
}

function groupBy<T>(items: T[], key: (t: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return [...groups.values()];
}
