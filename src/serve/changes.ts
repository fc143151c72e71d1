// Tells open pages that something they show changed: one poll of a cheap mark (the store's newest ids, the
// units' states) each second, only while a page listens; every listener hears each new mark once.
export class ChangeFeed {
  private readonly markOf: () => Promise<string>;
  private readonly everyMs: number;
  private readonly listeners = new Set<(mark: string) => void>();
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  /** The last mark seen. */
  mark = '';

  constructor(markOf: () => Promise<string>, everyMs = 1000) {
    this.markOf = markOf;
    this.everyMs = everyMs;
  }

  /** Calls `fn` with each new mark; returns what stops it. */
  subscribe(fn: (mark: string) => void): () => void {
    this.listeners.add(fn);
    if (!this.timer) {
      this.timer = setInterval(() => void this.poll(), this.everyMs);
      this.timer.unref();
    }
    return () => {
      this.listeners.delete(fn);
      if (this.listeners.size === 0) this.stop();
    };
  }

  get listening(): number {
    return this.listeners.size;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Reads the mark now; listeners hear it when it changed. */
  async poll(): Promise<string> {
    if (this.polling) return this.mark;
    this.polling = true;
    try {
      const mark = await this.markOf();
      if (mark !== this.mark) {
        this.mark = mark;
        for (const fn of this.listeners) fn(mark);
      }
    } catch {
      // a store being migrated or a systemctl that hung: the next poll asks again
    } finally {
      this.polling = false;
    }
    return this.mark;
  }
}
