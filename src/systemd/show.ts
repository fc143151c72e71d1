// `systemctl show UNIT` output: KEY=VALUE lines (values may hold "="), with typed readers for the
// values medic uses: timestamps, Exec*= commands, environment files and variables, bytes and numbers.
import { splitSystemdWords } from './unit.ts';

/** Properties by name; a name has several values when systemctl prints it on several lines (ExecStartPre=, EnvironmentFiles=). */
export type ShowProperties = Map<string, string[]>;

const PROPERTY = /^([A-Za-z][A-Za-z0-9_]*)=(.*)$/;

/** The properties of every unit in the output; `systemctl show A B` separates units with an empty line. */
export function parseShowUnits(text: string): ShowProperties[] {
  const units: ShowProperties[] = [];
  let current: ShowProperties = new Map();
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') {
      if (current.size > 0) units.push(current);
      current = new Map();
      continue;
    }
    const m = PROPERTY.exec(line);
    if (!m) continue;
    const key = m[1] as string;
    current.set(key, [...(current.get(key) ?? []), m[2] as string]);
  }
  if (current.size > 0) units.push(current);
  return units;
}

/** The properties of the first (usually only) unit in the output. */
export function parseShow(text: string): ShowProperties {
  return parseShowUnits(text)[0] ?? new Map();
}

/** The last value printed for a property. */
export function showValue(props: ShowProperties, key: string): string | undefined {
  const values = props.get(key);
  return values?.[values.length - 1];
}

// Offsets of the zone abbreviations systemd prints for common server time zones; others are ambiguous.
const ZONES: Record<string, number> = {
  UTC: 0,
  GMT: 0,
  Z: 0,
  WET: 0,
  WEST: 60,
  BST: 60,
  CET: 60,
  CEST: 120,
  EET: 120,
  EEST: 180,
  MSK: 180,
  EST: -300,
  EDT: -240,
  CST: -360,
  CDT: -300,
  MST: -420,
  MDT: -360,
  PST: -480,
  PDT: -420,
  JST: 540,
  KST: 540,
  AEST: 600,
  AEDT: 660,
  NZST: 720,
  NZDT: 780,
};

const TIMESTAMP =
  /^(?:[A-Z][a-z]{2} )?(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(?: ([A-Za-z]+|[+-]\d\d(?::?\d\d)?))?$/;

/**
 * "Sat 2026-11-21 20:36:01 UTC" (also "+0200", "+05", microseconds) → ISO-8601 UTC; null for an empty,
 * "n/a" or "[not set]" value, and for a zone abbreviation that does not say its offset.
 */
export function parseShowTimestamp(value: string): string | null {
  const text = value.trim().replace(/^\[(.*)\]$/, '$1');
  const m = TIMESTAMP.exec(text);
  if (!m) return null;
  const [, y, mo, d, hh, mm, ss, frac, zone] = m;
  let offset = 0;
  if (zone !== undefined) {
    const numeric = /^([+-])(\d\d):?(\d\d)?$/.exec(zone);
    if (numeric) {
      const minutes = Number(numeric[2]) * 60 + Number(numeric[3] ?? 0);
      offset = numeric[1] === '-' ? -minutes : minutes;
    } else {
      const known = ZONES[zone];
      if (known === undefined) return null;
      offset = known;
    }
  }
  const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  const utc =
    Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(hh), Number(mm), Number(ss), ms) - offset * 60_000;
  const date = new Date(utc);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

export function showTimestamp(props: ShowProperties, key: string): string | null {
  const value = showValue(props, key);
  return value === undefined ? null : parseShowTimestamp(value);
}

export interface ExecCommand {
  path: string;
  argv: string[];
  /** "ignore_errors=yes": the command was written with the "-" prefix. */
  ignoreErrors: boolean;
  /** ExecStartEx= and friends print prefixes as flags (ignore-failure, no-env-expand, …). */
  flags: string[];
  startTime: string | null;
  stopTime: string | null;
  pid: number | null;
  /** How the last run ended: "exited", "killed", … or null when it has not run. */
  code: string | null;
  /** "0/0", "1/FAILURE", … */
  status: string | null;
}

function field(body: string, name: string): string | undefined {
  const m = new RegExp(`(?:^| ; )${name}=(.*?)(?= ; [a-z_\\[\\]]+=|$)`).exec(body);
  return m?.[1];
}

/** One `{ path=… ; argv[]=… ; … }` group. */
function parseExecGroup(body: string): ExecCommand | null {
  const path = field(body, 'path');
  if (path === undefined) return null;
  // Older systemd joins argv with spaces; newer quotes words that need it; both split the same way.
  const argvText = field(body, 'argv\\[\\]') ?? '';
  const pid = Number(field(body, 'pid'));
  const code = field(body, 'code');
  const flags = field(body, 'flags');
  return {
    path,
    argv: splitSystemdWords(argvText) ?? argvText.split(' '),
    ignoreErrors:
      field(body, 'ignore_errors') === 'yes' || (flags ?? '').split(/\s+/).includes('ignore-failure'),
    flags: flags ? flags.split(/\s+/).filter((f) => f !== '') : [],
    startTime: parseShowTimestamp(field(body, 'start_time') ?? ''),
    stopTime: parseShowTimestamp(field(body, 'stop_time') ?? ''),
    pid: Number.isInteger(pid) && pid > 0 ? pid : null,
    code: code === undefined || code === '(null)' ? null : code,
    status: field(body, 'status') ?? null,
  };
}

/** The commands of ExecStart=, ExecStartPre=, … : one per printed line, or several groups on one line. */
export function parseExecCommands(value: string): ExecCommand[] {
  const out: ExecCommand[] = [];
  for (const body of execGroups(value)) {
    const command = parseExecGroup(body);
    if (command) out.push(command);
  }
  return out;
}

/** Whether the " }" before `at` closes a group: the next group or the end of the value follows it. */
function closesGroup(value: string, at: number): boolean {
  let i = at;
  while (i < value.length && /\s/.test(value[i] as string)) i++;
  if (i === value.length) return true;
  if (value[i] === ';') i++;
  while (i < value.length && /\s/.test(value[i] as string)) i++;
  return value[i] === '{';
}

/**
 * The bodies of the "{ … }" groups of a value, as /\{ (.*?) \}(?=\s*;?\s*\{|\s*$)/g finds them, in one pass:
 * that pattern read to the end of the value from every "{ " that no group closes (seconds for a long line).
 */
function execGroups(value: string): string[] {
  const closers: number[] = [];
  for (let c = value.indexOf(' }'); c !== -1; c = value.indexOf(' }', c + 1)) {
    if (closesGroup(value, c + 2)) closers.push(c);
  }
  const bodies: string[] = [];
  let next = 0;
  let from = 0;
  for (;;) {
    const start = value.indexOf('{ ', from);
    if (start === -1) break;
    while ((closers[next] ?? Infinity) < start + 2) next++;
    const close = closers[next];
    if (close === undefined) break;
    const body = value.slice(start + 2, close);
    // A group is on one line ("." matches no line terminator): one that breaks is no group.
    const broken = body.search(/[\n\r\u2028\u2029]/);
    if (broken !== -1) {
      from = start + 2 + broken + 1;
      continue;
    }
    bodies.push(body);
    from = close + 2;
  }
  return bodies;
}

export function showExecCommands(props: ShowProperties, key: string): ExecCommand[] {
  return (props.get(key) ?? []).flatMap(parseExecCommands);
}

export interface EnvironmentFile {
  path: string;
  /** Written with a "-" prefix: a missing file is not an error. */
  optional: boolean;
}

/** EnvironmentFiles=: "/srv/x/.env (ignore_errors=no)", one per line, or several on one line. */
export function showEnvironmentFiles(props: ShowProperties): EnvironmentFile[] {
  const out: EnvironmentFile[] = [];
  for (const value of props.get('EnvironmentFiles') ?? []) {
    // Each path is what comes before its "(ignore_errors=…)": found by the markers, not by a pattern that
    // tries every start and end for the path (which took seconds on a long line of them).
    let from = 0;
    for (const m of value.matchAll(/ \(ignore_errors=(yes|no)\)/g)) {
      const path = value.slice(from, m.index).trim();
      from = m.index + m[0].length;
      if (path !== '') out.push({ path: path.replace(/^-/, ''), optional: m[1] === 'yes' });
    }
  }
  return out;
}

export interface EnvironmentVariable {
  name: string;
  value: string;
}

/** Environment= (or another variable list): space-separated NAME=value words, quoted and C-escaped as needed. */
export function showEnvironment(props: ShowProperties, key = 'Environment'): EnvironmentVariable[] {
  return (props.get(key) ?? []).flatMap((value) =>
    (splitSystemdWords(value) ?? []).flatMap((word) => {
      const eq = word.indexOf('=');
      return eq > 0 ? [{ name: word.slice(0, eq), value: word.slice(eq + 1) }] : [];
    }),
  );
}

// systemd prints UINT64_MAX for "no value" in some versions of some counters.
const UINT64_MAX = '18446744073709551615';

/** A byte count (MemoryMax=, MemoryCurrent=): null for "infinity", "[not set]" or an unset counter. */
export function showBytes(props: ShowProperties, key: string): number | null {
  const value = showValue(props, key);
  if (value === undefined || value === UINT64_MAX || !/^\d+$/.test(value)) return null;
  return Number(value);
}

/** An integer property (MainPID=, NRestarts=, ExecMainStatus=); null when unset or not a number. */
export function showNumber(props: ShowProperties, key: string): number | null {
  const value = showValue(props, key);
  if (value === undefined || value === UINT64_MAX || !/^-?\d+$/.test(value)) return null;
  return Number(value);
}

/** A yes/no property; null when absent or not a boolean. */
export function showBoolean(props: ShowProperties, key: string): boolean | null {
  const value = showValue(props, key);
  return value === 'yes' ? true : value === 'no' ? false : null;
}

const SPAN_UNITS: Record<string, number> = {
  us: 1e-6,
  ms: 1e-3,
  s: 1,
  min: 60,
  h: 3600,
  d: 86400,
  w: 604800,
  M: 2629800,
  y: 31557600,
};

/** A time span ("1min 30s", "100ms", "infinity") in seconds, as printed for TimeoutStartUSec= and RestartUSec=. */
export function showSeconds(props: ShowProperties, key: string): number | null {
  const value = showValue(props, key)?.trim();
  if (value === undefined || value === '' || value === 'infinity') return null;
  let total = 0;
  for (const part of value.split(/\s+/)) {
    const m = /^(\d+(?:\.\d+)?)(us|ms|s|min|h|d|w|M|y)?$/.exec(part);
    if (!m) return null;
    total += Number(m[1]) * (SPAN_UNITS[m[2] ?? 's'] ?? 1);
  }
  return total;
}
