// Recognises the envelope of one line of a pasted or exported log and returns the event inside it.
// Formats: journalctl -o json / short / short-iso / cat, systemctl status, docker logs (with or without
// --timestamps), Nginx error.log and access.log, kernel lines, shell prompts pasted with the output.
import { type Level, type LogEvent, levelOfPriority } from './event.ts';

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

// "Nov 21 19:46:32 web1 gunicorn[84]: text" (journalctl short, syslog)
// (journalctl under a Chinese or Japanese locale writes the month as "12月")
const SHORT =
  /^([A-Z][a-z]{2}|1?\d月) ([ \d]?\d) (\d\d):(\d\d):(\d\d)(?:\.(\d+))? (\S+) ([^\s[:]+)(?:\[(\d+)\])?: ?(.*)$/;
// "2026-11-21T19:46:32+0000 web1 gunicorn[84]: text" (journalctl short-iso, short-iso-precise)
const SHORT_ISO =
  /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)) (\S+) ([^\s[:]+)(?:\[(\d+)\])?: ?(.*)$/;
// "2026-11-21T19:46:32.123456789Z text" (docker logs --timestamps)
const DOCKER_TS = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) (.*)$/;
// "2026/11/21 19:46:33 [error] 1234#1234: *5 text" (nginx error.log)
const NGINX_ERROR = /^(\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d) \[(\w+)\] (\d+)#\d+: (.*)$/;
// '127.0.0.1 - - [21/Nov/2026:19:46:33 +0000] "GET /health HTTP/1.1" 502 166 ...' (nginx access.log, combined)
const NGINX_ACCESS =
  /^\S+ \S+ \S+ \[(\d\d)\/([A-Z][a-z]{2})\/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-]\d{4})\] "([^"]*)" (\d{3}) /;
// "2020-09-18T16:42:40.563700+00:00 app[web.1]: text" (Heroku-style platform logs: no host)
const PLATFORM =
  /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)) ([\w-]+)\[([\w.-]+)\]: ?(.*)$/;
// "web_1  | text", "app-web-1  | text" (docker compose logs)
const COMPOSE = /^([a-z0-9][\w.-]*?)\s+\| (.*)$/;
// "[12345.678901] text" (dmesg)
const DMESG = /^\[\s*\d+\.\d+\] (.*)$/;
// What people paste from their terminal: "$ cmd", "# cmd", "root@web1:~# cmd", "user@host:/srv$ cmd"
const PROMPT = /^(?:\$|#|>|[\w.-]+@[\w.-]+(?::[^\s$#]*)?[$#])\s+\S/;
const SYSTEMCTL_HEADER = /^[●×○↻*]?\s*([\w@.:-]+\.(?:service|socket|timer|target|mount))\s+-\s+/;
const SYSTEMCTL_FIELD =
  /^\s+(Loaded|Active|Docs|Process|Main PID|Tasks|Memory|CPU|CGroup|TriggeredBy|Triggers|Status|IP|IO|Drop-In):\s*(.*)$/;

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
}

function iso(d: Date): string | null {
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

function plain(text: string, line: number): LogEvent {
  return { time: null, source: 'plain', unit: null, pid: null, level: 'info', text, line };
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
    unit: transport === 'kernel' ? 'kernel' : unit,
    pid: record._PID ? Number(record._PID) : null,
    level: levelOfPriority(Number.isFinite(priority) ? priority : 6),
    text: message,
    line,
  };
}

/** A journal short / short-iso (syslog-style) line: "TIME HOST IDENTIFIER[PID]: MESSAGE". */
function syslogEvent(
  time: Date,
  identifier: string,
  pid: string | undefined,
  msg: string | undefined,
  line: number,
): LogEvent {
  return {
    time: iso(time),
    source: identifier === 'kernel' ? 'kernel' : 'journal',
    unit: identifier,
    pid: pid ? Number(pid) : null,
    level: 'info',
    text: msg ?? '',
    line,
  };
}

/** Parses one line; returns null for lines that carry no log content (prompts, blank status fields). */
export function parseLine(raw: string, line: number, env: Envelope): LogEvent | null {
  const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (text.startsWith('{')) {
    const event = fromJournalJson(text, line);
    if (event) return event;
  }
  let m = SHORT.exec(text);
  if (m) {
    const [, mon, day, hh, mm, ss, frac, , ident, pid, msg] = m;
    const month = mon?.endsWith('月') ? Number(mon.slice(0, -1)) - 1 : MONTHS[mon ?? ''];
    if (month !== undefined) {
      const ms = frac ? Number(`0.${frac}`) * 1000 : 0;
      const d = new Date(Date.UTC(env.year, month, Number(day), Number(hh), Number(mm), Number(ss), ms));
      return syslogEvent(d, ident ?? '', pid, msg, line);
    }
  }
  m = PLATFORM.exec(text);
  if (m) {
    return {
      time: iso(new Date((m[1] ?? '').replace(/([+-]\d\d)(\d\d)$/, '$1:$2'))),
      source: 'docker',
      unit: m[3] ?? null,
      pid: null,
      level: 'info',
      text: m[4] ?? '',
      line,
    };
  }
  m = SHORT_ISO.exec(text);
  if (m) {
    const [, when, , ident, pid, msg] = m;
    const d = new Date((when ?? '').replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
    return syslogEvent(d, ident ?? '', pid, msg, line);
  }
  m = NGINX_ERROR.exec(text);
  if (m) {
    const [, y, mo, d, hh, mm, ss, lvl, pid, msg] = m;
    // nginx writes local time; servers of this kind run in UTC, and the offset is not in the line.
    const when = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(hh), Number(mm), Number(ss)));
    return {
      time: iso(when),
      source: 'nginx-error',
      unit: 'nginx',
      pid: Number(pid),
      level: NGINX_LEVELS[lvl ?? ''] ?? 'error',
      text: msg ?? '',
      line,
      tag: lvl ?? 'error',
    };
  }
  m = NGINX_ACCESS.exec(text);
  if (m) {
    const [, d, mon, y, hh, mm, ss, offset, , status] = m;
    const stamp = `${y}-${String((MONTHS[mon ?? ''] ?? 0) + 1).padStart(2, '0')}-${d}T${hh}:${mm}:${ss}${offset?.slice(0, 3)}:${offset?.slice(3)}`;
    const code = Number(status);
    return {
      time: iso(new Date(stamp)),
      source: 'nginx-access',
      unit: 'nginx',
      pid: null,
      level: code >= 500 ? 'error' : code >= 400 ? 'warning' : 'info',
      text,
      line,
    };
  }
  m = DOCKER_TS.exec(text);
  if (m) {
    return {
      time: iso(new Date(m[1] ?? '')),
      source: 'docker',
      unit: null,
      pid: null,
      level: 'info',
      text: m[2] ?? '',
      line,
    };
  }
  m = COMPOSE.exec(text);
  if (m) {
    // The container's own line may carry docker's timestamp or a journal-style prefix: parse it too.
    const inner = parseLine(m[2] ?? '', line, env);
    const service = (m[1] ?? '').replace(/[-_]\d+$/, '');
    if (inner && inner.source !== 'plain') return { ...inner, unit: inner.unit ?? service };
    return { ...plain(m[2] ?? '', line), source: 'docker', unit: service };
  }
  m = DMESG.exec(text);
  if (m)
    return { time: null, source: 'kernel', unit: 'kernel', pid: null, level: 'info', text: m[1] ?? '', line };
  if (SYSTEMCTL_HEADER.test(text)) {
    return {
      ...plain(text, line),
      source: 'systemctl-status',
      unit: SYSTEMCTL_HEADER.exec(text)?.[1] ?? null,
    };
  }
  m = SYSTEMCTL_FIELD.exec(text);
  if (m) return { ...plain(`${m[1]}: ${m[2]}`, line), source: 'systemctl-status' };
  if (PROMPT.test(text)) return null;
  if (text.trim() === '' || /^-- (No entries|Boot|Logs begin|Journal begins|Reboot) /.test(text)) return null;
  return plain(text, line);
}
