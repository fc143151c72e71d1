// A fact read once per command: the first asker starts the read, every later one shares its promise.
export class Memo {
  private readonly values = new Map<string, Promise<unknown>>();

  /** Whether someone already asked for KEY (its read may still run). */
  has(key: string): boolean {
    return this.values.has(key);
  }

  once<T>(key: string, read: () => Promise<T>): Promise<T> {
    let p = this.values.get(key) as Promise<T> | undefined;
    if (!p) {
      p = read();
      this.values.set(key, p);
    }
    return p;
  }
}
