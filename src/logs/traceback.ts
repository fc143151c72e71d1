// Stitches Python tracebacks, which arrive one line per log event, back into one error per process,
// chained exceptions included ("During handling of the above exception ...").
import type { LogEvent } from './event.ts';
import { messageOf, prefixOf } from './prefix.ts';

export interface PythonException {
  type: string;
  message: string;
}

export interface PythonError {
  /** The exception that was finally raised (the last one printed). */
  type: string;
  message: string;
  /** Every exception of the chain, the first cause first. */
  chain: PythonException[];
  /** The "Traceback (most recent call last):" line and the frames, as printed. */
  context: string[];
  /** The event of the final exception line, the one that names the error. */
  event: LogEvent;
  /** The event that opened the traceback. */
  start: LogEvent;
  /** The request it failed, when the page that printed it says (Django's "TypeError at /path"). */
  route?: string;
}

const TRACEBACK = /^Traceback \(most recent call last\):\s*$/;
// Django's technical 500 page, copied as text: "TypeError at /docker/view/x" (the message is the next line),
// or its copy-and-paste view: "Exception Type: DisallowedHost at /" then "Exception Value: ...".
const DEBUG_PAGE_TITLE =
  /^(?:Exception Type: )?((?:[a-z_]\w{0,40}\.){0,6}[A-Z]\w{0,60}(?:Error|Exception|DoesNotExist|Host|Denied|NotFound|Configured|Failure)) at (\/\S{0,500})\s*$/;
const DEBUG_PAGE_VALUE = /^Exception Value: ?(.*)$/;
const CHAINED =
  /^(During handling of the above exception, another exception occurred:|The above exception was the direct cause of the following exception:)\s*$/;
// "KeyError: 'SECRET_KEY'", "psycopg2.OperationalError: connection ...", "SystemExit: 1", "KeyboardInterrupt"
// The lines an exception message goes on with: indented text (psycopg2's "Is the server running"),
// PostgreSQL's LINE/DETAIL/HINT and caret, pydantic's field names and their reasons.
const CONTINUATION =
  /^(?:\s+\S|(?:LINE \d+|DETAIL|HINT|CONTEXT|QUERY|SQL state):|\^|[A-Za-z_]\w*$|\[SQL: |\[parameters: |\(Background on this error|For further information)/;
// A frame or an exception line with no "Traceback" line before it; the exception type must look like one.
const HEADLESS_FRAME = /^`*\s*File "[^"]+", line \d+/;
const LONE_EXCEPTION = /^((?:[a-z_]\w*\.)+[A-Z]\w*|[A-Z]\w*(?:Error|Exception|Exit|Warning|Failure)): (.+)$/;
// "seed.py: error: 1 validation error for Settings": pydantic's error printed by something else than a traceback
const VALIDATION_HEADER = /\b(\d+ validation errors? for [\w.]+)\s*$/;
// A message wrapped by the terminal it was copied from: the line went on past the width, the rest starts lower case.
const WRAPPED = /^(?:[a-z(][\w.-]*[ ,:]|\((?:\/|[A-Z]:\\)[^)]{0,300}\)$)/;
const WRAP_WIDTH = 60;
const EXCEPTION_LINE = /^((?:[A-Za-z_]\w*\.)*[A-Z]\w*)(?::\s?(.*))?$/;

/** The text of an event without a logger's prefix. */
export function bare(text: string): string {
  return messageOf(text);
}

interface Open {
  start: LogEvent;
  context: string[];
  chain: PythonException[];
  last: LogEvent | null;
  /** reading frames, or reading the continuation lines of an exception message */
  state: 'frames' | 'message' | 'between';
  /** lines added to the current exception's message */
  continuation: number;
  /** the length of the last line of the message: a long one may have been wrapped */
  width: number;
  /** Django's debug page: the request path, and the message still to come on the next line */
  route?: string;
  awaitingMessage?: boolean;
}

function keyOf(e: LogEvent): string {
  return `${e.source}|${e.unit ?? ''}|${e.pid ?? ''}`;
}

/** Incremental: feed events in order, collect finished errors. Memory is bounded by open tracebacks. */
export class TracebackStitcher {
  readonly errors: PythonError[] = [];
  private open = new Map<string, Open>();
  /** The last indented lines before any traceback, per process: a paste cut above a SyntaxError keeps its source line and caret. */
  private recent = new Map<string, string[]>();

  /** A traceback is being read: every line matters until it closes. */
  get reading(): boolean {
    return this.open.size > 0;
  }

  /** Feeds one event; returns true when it belongs to a traceback (and so is not a line of its own). */
  push(event: LogEvent): boolean {
    let key = keyOf(event);
    // A paste that mixes one envelope's lines with bare ones (a journal line, then the message's indented
    // rest without its prefix): a bare line goes on with the one traceback open.
    if (event.source === 'plain' && !this.open.has(key) && this.open.size === 1)
      key = [...this.open.keys()][0] ?? key;
    const text = bare(event.text);
    const current = this.open.get(key);
    if (TRACEBACK.test(text)) {
      // After "The above exception was the direct cause ...", the next traceback continues the chain.
      if (current?.state === 'between') {
        current.context.push(text);
        current.state = 'frames';
        return true;
      }
      if (current) this.close(key, current);
      this.open.set(key, {
        start: event,
        context: [text],
        chain: [],
        last: null,
        state: 'frames',
        continuation: 0,
        width: 0,
      });
      return true;
    }
    if (!current) {
      // Pastes often start below the "Traceback" line: at a frame, or at the exception line itself.
      if (HEADLESS_FRAME.test(text)) {
        this.open.set(key, {
          start: event,
          context: [text.replace(/^`+/, '')],
          chain: [],
          last: null,
          state: 'frames',
          continuation: 0,
          width: 0,
        });
        return true;
      }
      const title = DEBUG_PAGE_TITLE.exec(text.trim());
      if (title) {
        this.open.set(key, {
          start: event,
          context: [],
          chain: [{ type: title[1] ?? '', message: '' }],
          last: event,
          state: 'message',
          continuation: 0,
          width: 0,
          route: title[2] ?? '',
          awaitingMessage: true,
        });
        return true;
      }
      const lone = LONE_EXCEPTION.exec(text);
      const validation = lone ? null : VALIDATION_HEADER.exec(text);
      if (lone || validation) {
        const before = this.recent.get(key) ?? [];
        this.recent.delete(key);
        this.open.set(key, {
          start: event,
          context: lone ? before : [],
          chain: [
            lone
              ? { type: lone[1] ?? '', message: (lone[2] ?? '').trim() }
              : { type: 'ValidationError', message: validation?.[1] ?? '' },
          ],
          last: event,
          state: 'message',
          continuation: 0,
          width: text.length,
        });
        return true;
      }
      this.remember(key, text);
      return false;
    }
    if (CHAINED.test(text.trim())) {
      current.context.push(text.trim());
      current.state = 'between';
      return true;
    }
    if (current.state === 'frames') {
      // A paste indented whole (a quote, a list item): the exception line comes indented like the source
      // line above it. Python source never reads "SomeError: text", so the line names the error.
      const above = current.context[current.context.length - 1] ?? '';
      if (
        /^\s/.test(text) &&
        !HEADLESS_FRAME.test(above.trimStart()) &&
        indentOf(text) <= indentOf(above) &&
        LONE_EXCEPTION.test(text.trim())
      ) {
        const m = EXCEPTION_LINE.exec(text.trim());
        current.chain.push({ type: m?.[1] ?? text.trim(), message: (m?.[2] ?? '').trim() });
        current.last = { ...event, text: event.text.replace(text, text.trim()) };
        current.state = 'message';
        current.continuation = 0;
        current.width = text.length;
        return true;
      }
      if (/^\s/.test(text) || text === '') {
        if (current.context.length < 200) current.context.push(text);
        return true;
      }
      // A paste that lost its indentation: the line under a frame is its source line, unless it names the error.
      const previous = current.context[current.context.length - 1] ?? '';
      if (HEADLESS_FRAME.test(previous.trimStart()) && !LONE_EXCEPTION.test(text)) {
        if (current.context.length < 200) current.context.push(`    ${text}`);
        return true;
      }
      const m = EXCEPTION_LINE.exec(text);
      if (m) {
        current.chain.push({ type: m[1] ?? text, message: (m[2] ?? '').trim() });
        current.last = event;
        current.state = 'message';
        current.continuation = 0;
        current.width = text.length;
        return true;
      }
      // Frames that end in something else: the traceback was cut; keep what we have.
      this.close(key, current);
      return false;
    }
    if (current.state === 'message') {
      // Messages go on over several lines: psycopg2's "LINE 1: ..." and caret, "Is the server running ...".
      // A line with a logger's prefix is the next record, not part of the message.
      const lastException = current.chain[current.chain.length - 1];
      if (text.trim() === '') return true;
      if (current.awaitingMessage && lastException) {
        current.awaitingMessage = false;
        lastException.message = (DEBUG_PAGE_VALUE.exec(text.trim())?.[1] ?? text).trim();
        // The page's two lines are one error: "TypeError at /x: the message"
        current.last = { ...current.start, text: `${current.start.text.trim()}: ${lastException.message}` };
        return true;
      }
      // Frames printed after a lone exception line (a paste in the wrong order): they are still its frames.
      if (HEADLESS_FRAME.test(text.trim()) && current.context.length < 200) {
        current.context.push(text);
        return true;
      }
      if (
        lastException &&
        CONTINUATION.test(text) &&
        prefixOf(event.text) === null &&
        current.continuation < 10
      ) {
        current.continuation += 1;
        current.width = text.length;
        lastException.message = `${lastException.message}\n${text.trim()}`.trim();
        return true;
      }
      if (
        lastException &&
        current.width >= WRAP_WIDTH &&
        WRAPPED.test(text) &&
        prefixOf(event.text) === null &&
        current.continuation < 10
      ) {
        current.continuation += 1;
        current.width = text.length;
        lastException.message = `${lastException.message} ${text.trim()}`;
        return true;
      }
      this.close(key, current);
      return false;
    }
    // between chained tracebacks: only blank lines are expected here
    if (text.trim() === '') return true;
    this.close(key, current);
    return false;
  }

  private remember(key: string, text: string): void {
    if (!/^\s+\S/.test(text)) {
      this.recent.delete(key);
      return;
    }
    if (this.recent.size > 1000) this.recent.clear();
    const lines = this.recent.get(key) ?? [];
    lines.push(text);
    if (lines.length > 4) lines.shift();
    this.recent.set(key, lines);
  }

  /** Closes every traceback still open (end of input). */
  finish(): PythonError[] {
    for (const [key, open] of this.open) this.close(key, open);
    return this.errors;
  }

  private close(key: string, open: Open): void {
    this.open.delete(key);
    const final = open.chain[open.chain.length - 1];
    if (!final || !open.last) return;
    this.errors.push({
      type: final.type,
      message: final.message,
      chain: open.chain,
      context: open.context,
      event: open.last,
      start: open.start,
      ...(open.route !== undefined ? { route: open.route } : {}),
    });
  }
}

// An exception named inside a line by whoever logged it: "ERROR:app:(psycopg2.OperationalError) could not ...",
// "[Error] hook.sh: PermissionError: [Errno 13] ...", " django.db.utils.OperationalError: ...".
const EMBEDDED =
  /(?:^|[\s(:[\]'"])((?:[a-z_]\w{0,40}\.){0,6}[A-Z]\w{0,60}(?:Error|Exception|Failure|Exit|Mismatch|Configured|Denied|Refused|NotExist|NotFound))(?:\) |: ?)(?=\S)/;

/** The exception a single line names, as an error with no frames, or null. */
export function errorInLine(event: LogEvent): PythonError | null {
  const text = bare(event.text);
  const m = EMBEDDED.exec(text);
  if (!m) return null;
  const type = m[1] ?? '';
  // the message is the rest of the line (a bounded part of it: one pass over the line, whatever its length)
  const message = text.slice(m.index + m[0].length, m.index + m[0].length + 2000).trim();
  return { type, message, chain: [{ type, message }], context: [], event, start: event };
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}
