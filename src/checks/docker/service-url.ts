/**
 * The PostgreSQL or Redis server a container's env names by a compose service's name (postgres://…@db:5432/…,
 * redis://cache:6379/0): its URL (masked wherever it is shown), the name and the port. An address or a dotted
 * host is not Docker's to resolve, and is left to the app's own logs.
 */
export function serviceUrlOf(
  env: readonly string[],
  kind: 'database' | 'cache',
): { url: string; name: string; port: number } | null {
  const schemes = kind === 'database' ? /^postgres(?:ql)?(?:\+\w+)?$/i : /^rediss?$/i;
  for (const entry of env) {
    const value = entry.slice(entry.indexOf('=') + 1).trim();
    const m = /^([a-z][a-z0-9+.-]*):\/\/(?:[^@/\s]*@)?([^:/?#\s]+)(?::(\d+))?/i.exec(value);
    if (!m || !schemes.test(m[1] ?? '')) continue;
    const name = m[2] ?? '';
    if (!/^[a-z][a-z0-9_-]{0,62}$/i.test(name) || name === 'localhost') continue;
    const port = Number(m[3] ?? (kind === 'database' ? 5432 : 6379));
    return { url: value, name, port };
  }
  return null;
}
