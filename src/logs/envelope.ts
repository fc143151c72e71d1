// Recognises the envelope of one line of a pasted or exported log and returns the event inside it: an
// ordered list of small parsers, each one envelope, tried outermost first; a container's envelope is
// parsed again for the journal or timestamp inside it, and the program's own logger prefix (Gunicorn,
// Celery, Python logging, Uvicorn, PostgreSQL) gives the time and level when the envelope did not.
import { type Level, type LogEvent, levelOfPriority } from './event.ts';
import { isoOf, prefixOf } from './prefix.ts';

const MONTHS: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};

// "Nov 21 19:46:32 web1 gunicorn[84]: text" (journalctl short, short-precise, syslog)
// (journalctl under a Chinese or Japanese locale writes the month as "12月")
const SHORT =
  /^([A-Z][a-z]{2}|1?\d月) ([ \d]?\d) (\d\d):(\d\d):(\d\d)(?:\.(\d+))? (\S+) ([^\s[:]+)(?:\[(\d+)\])?: ?(.*)$/;
// "Sat 2026-11-21 19:46:32 UTC web1 gunicorn[84]: text" (journalctl short-full)
const SHORT_FULL =
  /^[A-Z][a-z]{2} (\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d+))? ([A-Z]{1,5}|[+-]\d{4}) (\S+) ([^\s[:]+)(?:\[(\d+)\])?: ?(.*)$/;
// "1700000000.123456 web1 gunicorn[84]: text" (journalctl short-unix)
const SHORT_UNIX = /^(\d{9,10})(?:\.(\d+))? (\S+) ([^\s[:]+)(?:\[(\d+)\])?: ?(.*)$/;
// "2026-11-21T19:46:32+0000 web1 gunicorn[84]: text" (journalctl short-iso, short-iso-precise, rsyslog's ISO
// format). They write the zone as an offset; a "Z" is docker's or kubectl's own stamp before the app's text.
const SHORT_ISO =
  /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?[+-]\d\d:?\d\d) ([\w.-]+) ([^\s[:]+)(?:\[(\d+)\])?: ?(.*)$/;
// "<134>1 2026-11-21T19:46:32.003Z web1 gunicorn 84 - - text" (RFC 5424 syslog)
// (Heroku's logplex leaves the structured data out, and drains put their own stamp and host before it)
const RFC5424 =
  /^(?:[\d:.]{8,15} [\w.-]{1,100} [\w.-]{1,40} )?<\d{1,3}>1 (\S+) (\S+) (\S+) (\S+) \S+(?= |$)(?: (?:-|\[[^\]]{0,2000}\])(?= |$))? ?([^]*)$/;
// "2026-11-21T19:46:32.123456789Z text" (docker logs --timestamps, kubectl logs --timestamps)
const DOCKER_TS = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) (.*)$/;
// "2026/11/21 19:46:33 [error] 1234#1234: *5 text" (nginx error.log)
const NGINX_ERROR = /^(\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d) \[(\w+)\] (\d+)#\d+: (.*)$/;
// "nginx: [emerg] unknown directive ..." (nginx -t at a prompt, or nginx's own start)
const NGINX_STDERR = /^nginx: \[(\w+)\] (.*)$/;
// '127.0.0.1 - - [21/Nov/2026:19:46:33 +0000] "GET /health HTTP/1.1" 502 166 ...' (nginx access.log, combined)
const NGINX_ACCESS =
  /^\S+ \S+ \S+ \[(\d\d)\/([A-Z][a-z]{2})\/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-]\d{4})\] "([^"]*)" (\d{3}) /;
// "2020-09-18T16:42:40.563700+00:00 app[web.1]: text" (Heroku-style platform logs: no host)
const PLATFORM =
  /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)) ([\w-]+)\[([\w.-]+)\]: ?(.*)$/;
// "web_1  | text", "app-web-1  | text", "web_1\t| text" (docker compose v1 and v2), "web_1  |" (an empty line)
const COMPOSE = /^([a-zA-Z0-9][\w.-]{0,100}?)\s+\|(?: (.*)|\t(.*))?$/;
// "2023-02-06 10:22:56 app-web-1  | text" (Docker Desktop's log view: its own stamp before the container)
const DESKTOP = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) ([a-zA-Z0-9][\w.-]{0,100}?)\s+\|(?: (.*))?$/;
// "2021-02-22 16:29:44 | stderr | text" (a container's log as Synology's Docker view exports it: a table
// of date, stream and content, the newest line first)
const LOG_TABLE = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) \| (?:stdout|stderr) \| ?(.*)$/;
// "[web] | text", "[web]  text" (docker compose watch, and tools that bracket the service)
const BRACKET_SERVICE = /^\[([a-zA-Z][\w.-]{0,100})\] ?\| ?(.*)$/;
// "14:07:12 web.1  | text" (honcho, foreman)
const PROCFILE = /^(\d\d:\d\d:\d\d) ([\w-]+\.\d+)\s+\| ?(.*)$/;
// "[pod/web-7d9f8c-abcde/web] text" (kubectl logs --prefix)
const KUBECTL_PREFIX = /^\[pod\/([\w.-]+)\/([\w.-]+)\] (.*)$/;
// "[12345.678901] text" (dmesg)
const DMESG = /^\[\s*\d+\.\d+\] (.*)$/;
// What people paste from their terminal: "$ cmd", "# cmd", "root@web1:~# cmd", "user@host:/srv$ cmd", "(venv) $ cmd"
const PROMPT = /^(?:\([\w.-]+\) )?(?:\$|#|>|[\w.-]+@[\w.-]+(?::[^\s$#]*)?[$#])\s+\S/;
const SYSTEMCTL_HEADER = /^[●×○↻*]?\s*([\w@.:-]+\.(?:service|socket|timer|target|mount))\s+-\s+/;
const SYSTEMCTL_FIELD =
  /^\s+(Loaded|Active|Docs|Process|Main PID|Tasks|Memory|CPU|CGroup|TriggeredBy|Triggers|Status|IP|IO|Drop-In):\s*(.*)$/;
// journalctl -o export: one field per line, records apart by a blank line
const EXPORT_FIELD = /^(__REALTIME_TIMESTAMP|_SYSTEMD_UNIT|SYSLOG_IDENTIFIER|_PID|MESSAGE)=(.*)$/;

const NGINX_LEVELS: Record<string, Level> = {
  debug: 'debug',
  info: 'info',
  notice: 'notice',
  warn: 'warning',
  error: 'error',
  crit: 'critical',
  alert: 'critical',
  emerg: 'critical',
};

export interface Envelope {
  /** The year to give to dates that carry none (journal short format); defaults to the current year. */
  year: number;
  /** State of a `journalctl -o export` record being read: its time, unit and pid come before or after MESSAGE. */
  exportRecord?: { time: string | null; unit: string | null; pid: number | null };
}

function iso(d: Date): string | null {
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

function event(text: string, line: number, fields: Partial<LogEvent> = {}): LogEvent {
  return { time: null, source: 'plain', unit: null, pid: null, level: 'info', text, line, ...fields };
}

function fromJournalJson(raw: string, line: number): LogEvent | null {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (record === null || typeof record !== 'object' || !('MESSAGE' in record)) return null;
  let message = record.MESSAGE;
  // journald exports non-UTF-8 or binary messages as arrays of bytes.
  if (Array.isArray(message)) message = Buffer.from(message as number[]).toString('utf8');
  if (typeof message !== 'string') return null;
  const micros = Number(record.__REALTIME_TIMESTAMP ?? record._SOURCE_REALTIME_TIMESTAMP);
  const transport = record._TRANSPORT;
  // systemd's own lines about a unit come from init.scope and name the unit in UNIT=.
  const unit =
    (record.UNIT as string | undefined) ??
    (record._SYSTEMD_UNIT as string | undefined) ??
    (record.SYSLOG_IDENTIFIER as string | undefined) ??
    null;
  const priority = Number(record.PRIORITY ?? 6);
  return {
    time: Number.isFinite(micros) ? iso(new Date(micros / 1000)) : null,
    source: transport === 'kernel' ? 'kernel' : 'journal',
    unit: transport === 'kernel' ? 'kernel' : typeof unit === 'string' ? unit : null,
    pid: record._PID ? Number(record._PID) : null,
    level: levelOfPriority(Number.isFinite(priority) ? priority : 6),
    text: message,
    line,
  };
}

/** A syslog-style line: "TIME HOST IDENTIFIER[PID]: MESSAGE". */
function syslogEvent(
  time: string | null,
  identifier: string,
  pid: string | undefined,
  msg: string | undefined,
  line: number,
): LogEvent {
  // The kernel's lines in syslog keep dmesg's own stamp: "kernel: [75254.207495] python invoked oom-killer"
  const text = identifier === 'kernel' ? (msg ?? '').replace(/^\[\s*\d+\.\d+\] /, '') : (msg ?? '');
  return event(text, line, {
    time,
    source: identifier === 'kernel' ? 'kernel' : 'journal',
    unit: identifier,
    pid: pid ? Number(pid) : null,
  });
}

/** A container's line: what is inside may carry docker's timestamp or a journal line of its own. */
function containerEvent(
  service: string,
  inner: string,
  line: number,
  env: Envelope,
  depth: number,
): LogEvent {
  const parsed = depth < 3 ? parseEnvelope(inner, line, env, depth + 1) : null;
  if (parsed && parsed.source !== 'plain') return { ...parsed, unit: parsed.unit ?? service };
  return event(parsed?.text ?? inner, line, { source: 'docker', unit: service });
}

type Parser = (text: string, line: number, env: Envelope, depth: number) => LogEvent | null | undefined;

/** The envelopes, outermost first. A parser returns undefined when the line is not its kind. */
const ENVELOPES: Parser[] = [
  function journalJson(text, line) {
    return text.startsWith('{') ? (fromJournalJson(text, line) ?? undefined) : undefined;
  },
  function journalExport(text, line, env) {
    const m = EXPORT_FIELD.exec(text);
    if (!m) return undefined;
    const r = (env.exportRecord ??= { time: null, unit: null, pid: null });
    const [, key, value = ''] = m;
    if (key === '__REALTIME_TIMESTAMP') {
      // a new record begins
      env.exportRecord = { time: iso(new Date(Number(value) / 1000)), unit: null, pid: null };
      return null;
    }
    if (key === '_SYSTEMD_UNIT' || key === 'SYSLOG_IDENTIFIER') r.unit ??= value;
    else if (key === '_PID') r.pid = Number(value) || null;
    else return event(value, line, { time: r.time, source: 'journal', unit: r.unit, pid: r.pid });
    return null;
  },
  function journalShort(text, line, env) {
    const m = SHORT.exec(text);
    if (!m) return undefined;
    const [, mon, day, hh, mm, ss, frac, , ident, pid, msg] = m;
    const month = mon?.endsWith('月') ? Number(mon.slice(0, -1)) - 1 : MONTHS[mon ?? ''];
    if (month === undefined) return undefined;
    const ms = frac ? Number(`0.${frac}`) * 1000 : 0;
    const d = new Date(Date.UTC(env.year, month, Number(day), Number(hh), Number(mm), Number(ss), ms));
    return syslogEvent(iso(d), ident ?? '', pid, msg, line);
  },
  function journalShortFull(text, line) {
    const m = SHORT_FULL.exec(text);
    if (!m) return undefined;
    const [, date, time, frac, zone, , ident, pid, msg] = m;
    return syslogEvent(isoOf(date ?? '', time ?? '', frac, zone), ident ?? '', pid, msg, line);
  },
  function journalShortUnix(text, line) {
    const m = SHORT_UNIX.exec(text);
    if (!m) return undefined;
    const [, secs, frac, , ident, pid, msg] = m;
    return syslogEvent(iso(new Date(Number(`${secs}.${frac ?? 0}`) * 1000)), ident ?? '', pid, msg, line);
  },
  function platform(text, line) {
    const m = PLATFORM.exec(text);
    if (!m) return undefined;
    return event(m[4] ?? '', line, {
      time: iso(new Date((m[1] ?? '').replace(/([+-]\d\d)(\d\d)$/, '$1:$2'))),
      source: 'docker',
      unit: m[3] ?? null,
    });
  },
  function journalShortIso(text, line) {
    const m = SHORT_ISO.exec(text);
    if (!m) return undefined;
    const [, when, , ident, pid, msg] = m;
    return syslogEvent(
      iso(new Date((when ?? '').replace(/([+-]\d\d)(\d\d)$/, '$1:$2'))),
      ident ?? '',
      pid,
      msg,
      line,
    );
  },
  function syslog5424(text, line) {
    const m = RFC5424.exec(text.trimStart());
    if (!m) return undefined;
    const [, when, , app, procid, msg] = m;
    return syslogEvent(iso(new Date(when ?? '')), app ?? '', procid === '-' ? undefined : procid, msg, line);
  },
  function nginxError(text, line) {
    const m = NGINX_ERROR.exec(text);
    if (!m) return undefined;
    const [, y, mo, d, hh, mm, ss, lvl, pid, msg] = m;
    // nginx writes local time; servers of this kind run in UTC, and the offset is not in the line.
    const when = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(hh), Number(mm), Number(ss)));
    return event(msg ?? '', line, {
      time: iso(when),
      source: 'nginx-error',
      unit: 'nginx',
      pid: Number(pid),
      level: NGINX_LEVELS[lvl ?? ''] ?? 'error',
      tag: lvl ?? 'error',
    });
  },
  function nginxStderr(text, line) {
    const m = NGINX_STDERR.exec(text);
    if (!m || !((m[1] ?? '') in NGINX_LEVELS)) return undefined;
    // The whole line stays the message: "nginx: [emerg]" is how people quote it.
    return event(text, line, {
      source: 'nginx-error',
      unit: 'nginx',
      level: NGINX_LEVELS[m[1] ?? ''] ?? 'error',
      tag: m[1] ?? 'error',
    });
  },
  function nginxAccess(text, line) {
    const m = NGINX_ACCESS.exec(text);
    if (!m) return undefined;
    const [, d, mon, y, hh, mm, ss, offset, , status] = m;
    const stamp = `${y}-${String((MONTHS[mon ?? ''] ?? 0) + 1).padStart(2, '0')}-${d}T${hh}:${mm}:${ss}${offset?.slice(0, 3)}:${offset?.slice(3)}`;
    const code = Number(status);
    return event(text, line, {
      time: iso(new Date(stamp)),
      source: 'nginx-access',
      unit: 'nginx',
      level: code >= 500 ? 'error' : code >= 400 ? 'warning' : 'info',
    });
  },
  function dockerTimestamp(text, line, env, depth) {
    const m = DOCKER_TS.exec(text);
    if (!m) return undefined;
    const inner = depth < 3 ? parseEnvelope(m[2] ?? '', line, env, depth + 1) : null;
    const time = iso(new Date(m[1] ?? ''));
    if (inner && inner.source !== 'plain') return { ...inner, time: time ?? inner.time };
    return event(inner?.text ?? m[2] ?? '', line, { time, source: 'docker' });
  },
  function dockerDesktop(text, line, env, depth) {
    const m = DESKTOP.exec(text);
    if (!m) return undefined;
    const e = containerEvent((m[3] ?? '').replace(/[-_]\d+$/, ''), m[4] ?? '', line, env, depth);
    return { ...e, time: e.time ?? isoOf(m[1] ?? '', m[2] ?? '') };
  },
  function logTable(text, line, env, depth) {
    const m = LOG_TABLE.exec(text);
    if (!m) return undefined;
    const inner = depth < 3 ? parseEnvelope(m[3] ?? '', line, env, depth + 1) : null;
    const time = isoOf(m[1] ?? '', m[2] ?? '');
    if (inner && inner.source !== 'plain') return { ...inner, time: inner.time ?? time };
    return event(inner?.text ?? m[3] ?? '', line, { time, source: 'docker' });
  },
  function kubectlPrefix(text, line, env, depth) {
    const m = KUBECTL_PREFIX.exec(text);
    if (!m) return undefined;
    return containerEvent(m[2] ?? m[1] ?? '', m[3] ?? '', line, env, depth);
  },
  function procfile(text, line, env, depth) {
    const m = PROCFILE.exec(text);
    if (!m) return undefined;
    return containerEvent((m[2] ?? '').replace(/\.\d+$/, ''), m[3] ?? '', line, env, depth);
  },
  function bracketService(text, line, env, depth) {
    const m = BRACKET_SERVICE.exec(text);
    if (!m) return undefined;
    return containerEvent(m[1] ?? '', m[2] ?? '', line, env, depth);
  },
  function compose(text, line, env, depth) {
    const m = COMPOSE.exec(text);
    if (!m) return undefined;
    const service = (m[1] ?? '').replace(/[-_]\d+$/, '');
    return containerEvent(service, m[2] ?? m[3] ?? '', line, env, depth);
  },
  function dmesg(text, line) {
    const m = DMESG.exec(text);
    if (!m) return undefined;
    return event(m[1] ?? '', line, { source: 'kernel', unit: 'kernel' });
  },
  function systemctlStatus(text, line) {
    const header = SYSTEMCTL_HEADER.exec(text);
    if (header) return event(text, line, { source: 'systemctl-status', unit: header[1] ?? null });
    const m = SYSTEMCTL_FIELD.exec(text);
    if (m) return event(`${m[1]}: ${m[2]}`, line, { source: 'systemctl-status' });
    return undefined;
  },
  function shell(text, line) {
    // A command typed at a prompt: what the person did ("docker compose down", "nginx -t"), not log content.
    const m = PROMPT.exec(text);
    if (!m) return undefined;
    return event(text.slice(m[0].length - 1).trim(), line, { source: 'shell' });
  },
  function noise(text) {
    if (text.trim() === '' || /^-- (No entries|Boot|Logs begin|Journal begins|Reboot) /.test(text))
      return null;
    return undefined;
  },
];

function parseEnvelope(text: string, line: number, env: Envelope, depth: number): LogEvent | null {
  for (const parse of ENVELOPES) {
    const e = parse(text, line, env, depth);
    if (e !== undefined) return e;
  }
  return event(text, line);
}

// A terminal's colours: docker compose colours each service's prefix, Uvicorn its levels. A copy from a web
// page often loses the escape character and keeps the rest ("[36mweb_1  |[0m").
// eslint-disable-next-line no-control-regex -- the escape character is what this removes
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
const ANSI_WITHOUT_ESCAPE = /\[(?:\d{1,3};)*\d{1,3}m/g;

export function withoutColours(text: string): string {
  if (text.includes('\x1b')) return text.replace(ANSI, '');
  return text.includes('[0m') ? text.replace(ANSI_WITHOUT_ESCAPE, '') : text;
}

/** Parses one line; returns null for lines that carry no log content (prompts, blank status fields). */
export function parseLine(raw: string, line: number, env: Envelope): LogEvent | null {
  const text = withoutColours(raw.endsWith('\r') ? raw.slice(0, -1) : raw);
  const e = parseEnvelope(text, line, env, 0);
  if (!e) return null;
  // The program's own logger: its time when the envelope had none, and its level.
  const p = prefixOf(e.text);
  if (p) {
    if (!e.time && p.time) e.time = p.time;
    const level = p.level;
    if (level && e.source !== 'nginx-error') e.level = level;
  }
  return e;
}
