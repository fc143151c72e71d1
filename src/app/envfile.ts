/** The NAME=value pairs of an environment file as systemd's EnvironmentFile= and `set -a; .` read them. */
export function parseEnvFile(text: string): [name: string, value: string][] {
  const out: [string, string][] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][\w.]*)\s*=\s*(.*)$/.exec(line);
    if (m) out.push([m[1] ?? '', (m[2] ?? '').trim().replace(/^(['"])(.*)\1$/, '$2')]);
  }
  return out;
}
