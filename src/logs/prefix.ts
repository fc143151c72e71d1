// The prefix a program's own logger writes before its message, inside whatever envelope carried the line:
// its time (with the offset, when it gives one) and its level. One parser per logger, tried in order.
import type { Level } from './event.ts';

export interface Prefix {
  /** ISO-8601 UTC, or null when the prefix has no time. */
  time: string | null;
  level: Level | null;
  /** The process id the logger wrote, when it writes one (Gunicorn). */
  pid: number | null;
  /** How many characters of the line the prefix takes. */
  length: number;
}

const LEVELS: Record<string, Level> = {
  DEBUG: 'debug',
  INFO: 'info',
  NOTICE: 'notice',
  WARN: 'warning',
  WARNING: 'warning',
  ERROR: 'error',
  ERR: 'error',
  EXCEPTION: 'error',
  CRITICAL: 'critical',
  CRIT: 'critical',
  FATAL: 'critical',
  PANIC: 'critical',
  EMERG: 'critical',
  ALERT: 'critical',
  LOG: 'info',
  STATEMENT: 'info',
  DETAIL: 'info',
  HINT: 'info',
};

export function levelOf(word: string | undefined): Level | null {
  return word ? (LEVELS[word.toUpperCase()] ?? null) : null;
}

/** "2024-03-05 14:07:12,345" or "2024-03-05T14:07:12.345" with an optional offset or zone → ISO UTC. */
export function isoOf(date: string, time: string, frac?: string, offset?: string): string | null {
  const ms = frac ? `.${frac.padEnd(3, '0').slice(0, 3)}` : '';
  let zone = 'Z';
  if (offset && /^[+-]\d\d:?\d\d$/.test(offset))
    zone = offset.length === 5 ? `${offset.slice(0, 3)}:${offset.slice(3)}` : offset;
  const d = new Date(`${date}T${time}${ms}${zone}`);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

type Parser = (text: string) => Prefix | null;

// Gunicorn: "[2024-03-05 14:07:12 +0100] [812] [ERROR] "
const GUNICORN =
  /^\[(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:[.,](\d+))? ?([+-]\d{4})?\] \[(\d+)\] \[([A-Z]+)\] /;
// Celery: "[2024-03-05 14:07:12,345: ERROR/MainProcess] ", "[2024-03-05 14:07:12,345: ERROR/ForkPoolWorker-1] task[id]: "
const CELERY = /^\[(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:[.,](\d+))?: ([A-Z]+)\/[\w.-]+\] /;
// Flask's default and many configs: "[2024-03-05 14:07:12,345] ERROR in app: ", "[2024-03-05 14:07:12] [ERROR] "
const BRACKETED =
  /^\[(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:[.,](\d+))?(?: ?([+-]\d\d:?\d\d|Z|UTC))?\](?:\s*\[?([A-Za-z]+)\]?(?=[\s:]))?[ :]*/;
// Python logging with asctime, supervisord, loguru, PostgreSQL:
// "2024-03-05 14:07:12,345 ERROR ", "2024-03-05 14:07:12,345 - app.main - ERROR - ", "2024-03-05 14:07:12.345 | ERROR | ",
// "2024-03-05 14:07:12.345 UTC [123] FATAL:  "
const ASCTIME =
  /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:[.,](\d+))?(?: ?([+-]\d\d:?\d\d|Z|UTC|GMT))?(?:\s*(?:[-|:]\s*)?(?:\[(\d+)\]\s*)?(?:[\w.[\]-]+\s+[-|]\s+)?\[?([A-Za-z]+)\]?(?=[\s:|\]-]))?[\s:|-]*/;
// Python logging's basicConfig and Uvicorn: "ERROR:root:", "CRITICAL:app.main:", "ERROR:    ", "error: "
const LEVEL_COLON = /^(DEBUG|INFO|WARNING|ERROR|CRITICAL|FATAL|error|fatal|warning):(?:[\w.-]+:)?\s*/;

const PARSERS: Parser[] = [
  (text) => {
    const m = GUNICORN.exec(text);
    if (!m) return null;
    return {
      time: isoOf(m[1] ?? '', m[2] ?? '', m[3], m[4]),
      level: levelOf(m[6]),
      pid: Number(m[5]),
      length: m[0].length,
    };
  },
  (text) => {
    const m = CELERY.exec(text);
    if (!m) return null;
    return {
      time: isoOf(m[1] ?? '', m[2] ?? '', m[3]),
      level: levelOf(m[4]),
      pid: null,
      length: m[0].length,
    };
  },
  (text) => {
    const m = BRACKETED.exec(text);
    if (!m) return null;
    return {
      time: isoOf(m[1] ?? '', m[2] ?? '', m[3], m[4]),
      level: levelOf(m[5]),
      pid: null,
      length: levelOf(m[5]) || !m[5] ? m[0].length : m[0].indexOf(']') + 1,
    };
  },
  (text) => {
    const m = ASCTIME.exec(text);
    if (!m) return null;
    const level = levelOf(m[6]);
    // Without a known level the words after the time are the message itself.
    const cut = level
      ? m[0].length
      : /^[^\s]+ [\d:.,]+(?: ?(?:[+-]\d\d:?\d\d|Z|UTC|GMT))?\s*/.exec(text)?.[0].length;
    return {
      time: isoOf(m[1] ?? '', m[2] ?? '', m[3], m[4]),
      level,
      pid: m[5] ? Number(m[5]) : null,
      length: cut ?? m[0].length,
    };
  },
  (text) => {
    const m = LEVEL_COLON.exec(text);
    if (!m) return null;
    return { time: null, level: levelOf(m[1]), pid: null, length: m[0].length };
  },
];

// Cheap first test: every prefix above starts with a bracket, a digit or a level word.
const MAY_HAVE_PREFIX =
  /^(?:\[\d|\d{4}-|DEBUG:|INFO:|WARNING:|ERROR:|CRITICAL:|FATAL:|error:|fatal:|warning:)/;

/** The logger's prefix at the start of TEXT, or null when the line has none. */
export function prefixOf(text: string): Prefix | null {
  if (!MAY_HAVE_PREFIX.test(text)) return null;
  for (const parse of PARSERS) {
    const p = parse(text);
    if (p) return p;
  }
  return null;
}

/** The message of a line without its logger's prefix. */
export function messageOf(text: string): string {
  const p = prefixOf(text);
  return p ? text.slice(p.length) : text;
}
