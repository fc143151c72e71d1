/** The NAME=value pairs of an environment file as systemd's EnvironmentFile= and `set -a; .` read them. */
export function parseEnvFile(text: string): [name: string, value: string][] {
  const out: [string, string][] = [];
  for (const raw of text.split('\n')) {
    // A file written on Windows ends its lines with \r\n; systemd reads \r as the end of a line too.
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    // The value must run to the end of the line, checked after the match rather than with "$": a value that
    // stops before the end (at a \r inside the line) made "\s*(.*)$" backtrack over every space before it.
    const m = /^\s*(?:export\s+)?([A-Za-z_][\w.]*)\s*=\s*(.*)/.exec(line);
    if (m && m[0].length === line.length)
      out.push([m[1] ?? '', (m[2] ?? '').trim().replace(/^(['"])(.*)\1$/, '$2')]);
  }
  return out;
}
