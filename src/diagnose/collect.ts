// Streams log events into evidence with bounded memory: the signals each cause recognises, where the
// app says it listens, Nginx's failures to reach it, systemd's view of the unit, and a short timeline.
import { CAUSES } from '../causes/index.ts';
import { MESSAGE_ANCHORS, matchMessage } from '../causes/messages/index.ts';
import type {
  Bind,
  Captures,
  Evidence,
  Signal,
  SignalSummary,
  UnitObservation,
  UpstreamFailure,
} from '../causes/types.ts';
import { parseBind } from '../app/bind.ts';
import { parseUpstreamFailure } from '../causes/upstream.ts';
import { type Envelope, parseLine, withoutColours } from '../logs/envelope.ts';
import { type LogEvent, readOrder } from '../logs/event.ts';
import { fatalnessOf } from '../logs/fatal.ts';
import { prefixOf } from '../logs/prefix.ts';
import { bare, errorInLine, type PythonError, TracebackStitcher } from '../logs/traceback.ts';

export interface TimelineEntry {
  time: string | null;
  source: string;
  text: string;
  /** input order, to sort lines that carry no time */
  seq: number;
}

/** Lines that tell the story of a crash without explaining it: systemd, Gunicorn, Uvicorn, Nginx. */
const LIFECYCLE =
  /Main process exited|Failed with result|Scheduled restart job|Start request repeated too quickly|Failed to start|Started |Stopped |Deactivated successfully|Worker failed to boot|Shutting down: Master|Reason: (?:Worker|App) failed|Booting worker|Using worker: |Listening at:|Application startup (?:complete|failed)|Uvicorn running on|Exception in worker process|Worker exiting|WORKER TIMEOUT|Killed process|oom-kill|\bready\.$|Warm shutdown|Starting gunicorn|Handling signal|Exception on \/|Internal Server Error: \//;

// A quick test before running every cause's matchers: most lines of a healthy log say nothing. Each cause
// names its own words (meta.worthMatching); these are the words of the lines collect reads itself: Nginx's
// upstream failures, the unit's lifecycle, the app server's binds, and errors the stitcher starts from.
const COLLECT_WORDS =
  /rror|xception|Fail|fail|denied|refused|No such|no such|No module|Killed|kill|timed out|TIMEOUT|crit|Invalid|invalid|resolve|Could not|could not|SSL|Unable|shutdown|Stopped|Deactivated|ready|started|not absolute|Refusing|Executable|execute|Can't connect to|Listening at|running on/;
export const WORTH_MATCHING = new RegExp(
  [COLLECT_WORDS, ...CAUSES.flatMap((c) => (c.meta.worthMatching ? [c.meta.worthMatching] : []))]
    .map((re) => re.source)
    .join('|'),
);

// Anything a matcher, the stitcher, the unit observer or the timeline could want, on the raw line.
const RAW_INTEREST = new RegExp(
  [
    WORTH_MATCHING.source,
    LIFECYCLE.source,
    'Traceback|File \\\\?"|Exception|Error|ERROR|Cannot connect|not found|Stopping|stopping|podman stop|docker stop|compose down|CRITICAL|FATAL|Fatal|fatal|error|Segmentation|SIG[A-Z]{3}|signal \\d|Illegal instruction|core dumped|code \\d|GAME OVER|Running on|Listening|LISTEN|Active:|Process:|Main PID:|\\.service - |docker|" 5\\d\\d |HTTP/[\\d.]+ 5\\d\\d\\)|^\\s*$',
  ].join('|'),
);

// What a line must carry for anything in medic to care: the words above, and the fixed words of every
// message of the inventory.
// One alternation, with every literal that contains another one dropped: a regular expression's time grows
// with its alternatives, and it runs on every line of a big log.
export const INTEREST = new RegExp(minimalAlternation([RAW_INTEREST.source, MESSAGE_ANCHORS.source]));

/** The top-level alternatives of regular expression sources. */
function alternativesOf(source: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let inClass = false;
  let current = '';
  for (let i = 0; i < source.length; i++) {
    const ch = source[i] ?? '';
    if (ch === '\\') {
      current += ch + (source[i + 1] ?? '');
      i += 1;
      continue;
    }
    if (inClass) inClass = ch !== ']';
    else if (ch === '[') inClass = true;
    else if (ch === '(') depth += 1;
    else if (ch === ')') depth -= 1;
    else if (ch === '|' && depth === 0) {
      out.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  out.push(current);
  return out;
}

function minimalAlternation(sources: string[]): string {
  const alternatives = [...new Set(sources.flatMap(alternativesOf))];
  // a literal: no metacharacter once its escapes are taken out
  const literal = (a: string) =>
    /[.*+?^$()[\]{}|\\]/.test(a.replace(/\\[^\w]/g, '')) ? null : a.replace(/\\(\W)/g, '$1');
  const literals = alternatives.map(literal).filter((l): l is string => l !== null && l !== '');
  const kept = new Set(literals.filter((l) => !literals.some((o) => o !== l && l.includes(o))));
  return alternatives
    .filter((a) => {
      const l = literal(a);
      return l === null || kept.has(l);
    })
    .join('|');
}
// Python statements, not messages
const SOURCE_LINE =
  /^\s*(?:raise [A-Z\w.]*\(|return \S|assert \S|from [\w.]+ import |import [\w.]+(?:,|$| as )|except(?: [\w.]+)?(?: as \w+)?:$|def \w+\(|class \w+[(:]|[\w.]+(?:\[[^\]]*\])? = \S)/;

// "web_1  |     from x import y", "2024-03-05T14:07:12.1Z     ^": an indented line behind an envelope
const INDENTED_IN_ENVELOPE = /^[^\n]{1,160}?(?: \||Z|\]:?) {3,}\S/;

/** The cheap test a line's message must pass before it is parsed: most lines of a big log fail it. */
export function passesCheapTest(message: string): boolean {
  // A request that went fine: by far the most lines of a big log, and never a cause.
  if (ACCESS_OK.test(message)) return false;
  return INTEREST.test(message);
}

// A stop asked for, by a person at a prompt or by docker compose or podman. (systemd says itself when its stop
// ran out of time, "State 'stop-sigterm' timed out. Killing.": a SIGKILL after its "Stopping" is not that.)
const STOP_REQUEST =
  /^(?:docker(?:-compose| compose) (?:down|stop|restart)|docker (?:stop|restart|rm -f)|podman (?:stop|restart)|kill -(?:15|TERM) )|Gracefully stopping|^Stopping \S+ \.\.\. done|Container \S+ +(?:Stopping|Stopped|Removed)\b/;
// 'GET /health HTTP/1.1" 200 ': an access log's line of a request that went fine
const ACCESS_OK = /HTTP\/[\d.]{1,3}\\?" [23]\d\d /;

// What netstat -tlnp and ss -tlnp print for a listening socket: its address and the process
const SOCKET_TABLE =
  /^(?:tcp6?\s+\d+\s+\d+\s+(\S+:\d+)\s+\S+\s+LISTEN\s+(\d+)\/\S+|LISTEN\s+\d+\s+\d+\s+(\S+:\d+)\s+\S+\s+users:\(\("[^"]+",pid=(\d+))/;
// "Listening at: unix:/run/app.sock (12)", "Listening at: http://127.0.0.1:8000 (12)", "Uvicorn running on http://127.0.0.1:8000"
const LISTENING =
  /(?:Listening at: |Uvicorn running on |Running on |Listening on TCP address |Listening on )((?:unix:)?[^\s(]+)/;

// Nginx's error line about a request ("*1 open() ... failed") always ends with ", client: ..."; without it
// the line was cut.
const CUT_NGINX = /(?:^|: )\*\d+ (?![^\n]*, client: )/;
const MAX_TIMELINE_HEAD = 20;
const MAX_TIMELINE_TAIL = 80;

export class EvidenceCollector {
  private stitchers = new Map<string, TracebackStitcher>();
  private signals = new Map<string, SignalSummary>();
  private binds: Bind[] = [];
  /** An Nginx line cut short, waiting for the lines that go on with it. */
  private held: { event: LogEvent; origin: string; lines: number } | null = null;
  private bindEvents: Evidence['bindEvents'] = [];
  private listenerPid: number | null = null;
  /** The unit's executable, as `systemctl status` shows it: its virtualenv goes into the fix. */
  execPath: string | null = null;
  private upstreamFailures: UpstreamFailure[] = [];
  private unit: UnitObservation = {
    name: null,
    active: null,
    result: null,
    restarts: 0,
    exitStatus: null,
    crashLoop: false,
  };
  private head: TimelineEntry[] = [];
  /** event numbers of systemd's last failure line and of the server's last successful start */
  private failureAt = 0;
  private lastStart: string | null = null;
  private killedAt: string[] = [];
  private healthyAt = 0;
  private tail: TimelineEntry[] = [];
  private seq = 0;
  private statusSaysCrash: boolean | null = null;
  /** The logs come from a container (docker logs, compose, a `docker run` in the paste). */
  private inContainer = false;
  private exitedContainers = new Set<string>();
  /** Gunicorn's worker class ("Using worker: gevent"). */
  private workerClass: string | null = null;
  /** The event number of the last stop asked for (docker compose down, podman stop, at a prompt). */
  private stopRequestedAt: number | null = null;
  readonly statuses: Record<string, number> = {};
  readonly routes = new Map<string, number>();
  /** Tracebacks no cause claimed, the earliest first: an honest "unknown" still shows them. */
  private unclaimedErrors: Signal[] = [];
  /** Lines no cause claimed that still read as errors, and the symptoms (a restart), each the earliest first. */
  private unclaimedLines: Signal[] = [];
  private unclaimedSymptoms: Signal[] = [];
  events = 0;
  firstTime: string | null = null;
  lastTime: string | null = null;

  /**
   * What a line is worth reading for (most lines of a big log are requests that went fine: skipping them
   * before they are parsed keeps a gigabyte of journal fast and the memory flat): everything ('all'), only the traceback stitcher (an indented line, the
   * source line of a SyntaxError whose head was not pasted), or nothing.
   */
  private worth(raw: string, origin: string): 'all' | 'stitcher' | null {
    if (this.stitchers.get(origin)?.reading === true) return 'all';
    const message = withoutColours(raw);
    if (passesCheapTest(message)) return 'all';
    // (also behind a container's or a timestamp's envelope)
    const first = message.charCodeAt(0);
    if (first === 32 || first === 9 || (message.includes('   ') && INDENTED_IN_ENVELOPE.test(message)))
      return 'stitcher';
    return null;
  }

  /** A line the held Nginx line goes on with (a bare line of the same input): joined to it. */
  private goesOn(raw: string, line: number, origin: string, env: Envelope): boolean {
    const held = this.held;
    if (!held) return false;
    const event = held.origin === origin && held.lines < 4 ? parseLine(raw, line, env) : null;
    const cut = !/, client: /.test(held.event.text);
    if (
      !event ||
      event.source !== 'plain' ||
      event.time ||
      raw.trim() === '' ||
      !(cut || /^\s*(?:server|request|upstream|host|referrer|subrequest): /.test(raw))
    ) {
      this.release();
      return false;
    }
    held.lines += 1;
    held.event = { ...held.event, text: `${held.event.text.trimEnd()} ${raw.trim()}` };
    return true;
  }

  private release(): void {
    const held = this.held;
    if (!held) return;
    this.held = null;
    this.push(held.event, held.origin, false, true);
  }

  /** One raw line of ORIGIN: skipped cheaply when it cannot matter, parsed and pushed otherwise. */
  pushLine(raw: string, line: number, origin: string, env: Envelope): void {
    if (this.held && this.goesOn(raw, line, origin, env)) return;
    const worth = this.worth(messageOf(raw), origin);
    if (!worth) return;
    const event = parseLine(raw, line, env);
    if (event) this.push(event, origin, worth === 'stitcher');
  }

  /** The same for a line still in bytes: only the lines that may matter are decoded whole. */
  pushBytes(data: Buffer, start: number, end: number, line: number, origin: string, env: Envelope): void {
    // A request that went fine is skipped before its message is even decoded: most lines of a big log.
    if (this.held && this.goesOn(data.toString('utf8', start, end), line, origin, env)) return;
    if (!this.stitchers.get(origin)?.reading && accessOkInBytes(data, start, end)) return;
    const worth = this.worth(messageOfBytes(data, start, end), origin);
    if (!worth) return;
    const event = parseLine(data.toString('utf8', start, end), line, env);
    if (event) this.push(event, origin, worth === 'stitcher');
  }

  /** One event; with STITCHER_ONLY, it only feeds the traceback stitcher (no cause reads it on its own). */
  push(event: LogEvent, origin: string, stitcherOnly = false, joined = false): void {
    // A request's error line of Nginx without its "client: ..." tail was wrapped by whatever it was pasted
    // from: its rest comes on the next bare lines. Held until they are read.
    if (this.held?.origin !== origin) this.release();
    if (!joined && event.source === 'nginx-error' && !stitcherOnly && CUT_NGINX.test(event.text)) {
      this.held = { event, origin, lines: 0 };
      return;
    }
    this.events += 1;
    event.seq = this.events;
    if (STOP_REQUEST.test(event.text)) this.stopRequestedAt = this.events;
    // A command typed at a prompt says what the person did; it is not the app's output.
    if (event.source === 'shell') return;
    if (event.time && (!this.firstTime || event.time < this.firstTime)) this.firstTime = event.time;
    if (event.time && (!this.lastTime || event.time > this.lastTime)) this.lastTime = event.time;
    let stitcher = this.stitchers.get(origin);
    if (!stitcher) {
      stitcher = new TracebackStitcher();
      this.stitchers.set(origin, stitcher);
    }
    const inTraceback = stitcher.push(event);
    this.drain(stitcher, origin);
    if (inTraceback || stitcherOnly) return;
    this.observe(event, origin);
  }

  finish(): void {
    this.release();
    for (const [origin, stitcher] of this.stitchers) {
      stitcher.finish();
      this.drain(stitcher, origin);
    }
  }

  evidence(): Omit<Evidence, 'probes' | 'target'> {
    return {
      signals: this.signals,
      binds: this.binds,
      bindEvents: this.bindEvents,
      upstreamFailures: this.upstreamFailures,
      // `systemctl status` knows; otherwise a failure after the last good start means it still crashes.
      unit: { ...this.unit, crashLoop: this.statusSaysCrash ?? this.failureAt > this.healthyAt },
      statuses: this.statuses,
      inContainer: this.inContainer,
      exitedContainers: [...this.exitedContainers],
      workerClass: this.workerClass,
      lastStart: this.lastStart,
      killedAt: this.killedAt,
      now: this.lastTime,
    };
  }

  /** What no cause explains, the most telling first: tracebacks, then error lines, then symptoms. */
  get unclaimed(): Signal[] {
    // Tracebacks and error lines in the order they were written (a log's first error is the one that
    // explains the rest), each input in turn; the symptoms after them.
    const inputs = [...this.stitchers.keys()];
    const errors = [...this.unclaimedErrors, ...this.unclaimedLines].sort(
      (a, b) =>
        inputs.indexOf(a.origin) - inputs.indexOf(b.origin) || readOrder(a.event) - readOrder(b.event),
    );
    return [...errors, ...this.unclaimedSymptoms];
  }

  timeline(): TimelineEntry[] {
    const all = [...this.head, ...this.tail];
    return all.sort((a, b) =>
      a.time && b.time && a.time !== b.time ? (a.time < b.time ? -1 : 1) : a.seq - b.seq,
    );
  }

  private drain(stitcher: TracebackStitcher, origin: string): void {
    while (stitcher.errors.length > 0) {
      const error = stitcher.errors.shift() as PythonError;
      this.onError(error, origin);
    }
  }

  private onError(error: PythonError, origin: string): void {
    // Gunicorn's arbiter and asyncio print tracebacks for their own shutdown: symptoms, never causes.
    if (/(?:^|\.)(?:HaltServer|SystemExit|KeyboardInterrupt|CancelledError)$/.test(error.type)) return;
    const summary = `${error.type}: ${error.message.split('\n')[0]}`;
    for (const cause of CAUSES) {
      const captures = cause.matchError?.(error);
      if (captures) return this.claim(cause.meta.id, captures, error.event, error.context, origin, summary);
    }
    // The messages of the programs themselves: the first exception of the chain that one names.
    for (const e of error.chain) {
      const hit = matchMessage(e.message ? `${e.type}: ${e.message}` : e.type);
      if (hit)
        return this.claim(hit.message.cause, hit.captures, error.event, error.context, origin, summary);
    }
    const signal: Signal = {
      cause: 'unknown',
      event: error.event,
      context: error.context,
      captures: {},
      origin,
    };
    if (this.unclaimedErrors.length < 20) this.unclaimedErrors.push(signal);
    this.note(error.event, summary);
  }

  private observe(event: LogEvent, origin: string): void {
    const text = event.text;
    if (event.source === 'docker' || /\bdocker(?:-compose| compose| run| logs)\b/.test(text))
      this.inContainer = true;
    if (event.source === 'nginx-access') {
      const m = /" (\d)\d\d /.exec(text);
      if (m) {
        const key = `${m[1]}xx`;
        this.statuses[key] = (this.statuses[key] ?? 0) + 1;
        if (m[1] === '5') this.route(/"[A-Z]+ (\S+)/.exec(text)?.[1]);
      }
      // Only errors in an access log can mean something to a cause.
      if (!m || m[1] === '2' || m[1] === '3') return;
    }
    this.observeUnit(event);
    // docker compose's own line about a container: "web_1 exited with code 1", "app-web-1 exited with code 137"
    const exited = /^([\w.-]+?)(?:[-_]\d+)? exited with code \d+$/.exec(text);
    if (exited?.[1] && this.exitedContainers.size < 100) this.exitedContainers.add(exited[1]);
    // the line without its logger's prefix
    const message = bare(text);
    const worker = /^Using worker: (\S+)/.exec(message)?.[1];
    if (worker) this.workerClass = worker;
    const listening = LISTENING.exec(message) ?? SOCKET_TABLE.exec(text);
    if (listening) {
      const bind = parseBind(listening[1] ?? listening[3] ?? '', null, null);
      // The server is process 1: it is a container's own command (Gunicorn's "Listening at: ... (1)",
      // its "[1]" prefix, netstat's "1/python", ss's "pid=1").
      const pid =
        listening[2] ?? listening[4] ?? /\((\d+)\)\s*$/.exec(text)?.[1] ?? String(prefixOf(text)?.pid ?? '');
      if (pid === '1') this.inContainer = true;
      // A new server process means a new start: what the old one listened on is history.
      if (event.pid !== this.listenerPid) {
        this.binds = [];
        this.bindEvents = [];
        this.listenerPid = event.pid;
      }
      if (bind && !this.binds.some((b) => JSON.stringify(b) === JSON.stringify(bind))) {
        this.binds.push(bind);
        this.bindEvents.push({ bind, event, origin });
      }
    }
    const request = /Exception on (\S+) \[|Internal Server Error: (\S+)|Error handling request (\S+)/.exec(
      text,
    );
    if (request) this.route(request[1] ?? request[2] ?? request[3]);
    if (LIFECYCLE.test(text)) this.note(event, text);
    // A line of Python source shown in a paste (a frame's code, cut from its traceback) quotes messages
    // without printing them: 'raise ImproperlyConfigured("The SECRET_KEY setting must not be empty.")'
    if (SOURCE_LINE.test(message)) return;
    // (only lines that passed the cheap test get here: every cause's matcher may read them)
    const failure = WORTH_MATCHING.test(text) ? parseUpstreamFailure(text) : null;
    if (failure && this.upstreamFailures.length < 50)
      this.upstreamFailures.push({ ...failure, event, origin });
    for (const cause of CAUSES) {
      const captures = cause.matchLine?.(event);
      if (captures) return this.claim(cause.meta.id, captures, event, [], origin, text);
    }
    // (the logger's prefix may be the message's own first word: click's "Error: No such option")
    const hit = matchMessage(text) ?? (message !== text ? matchMessage(message) : null);
    if (hit) return this.claim(hit.message.cause, hit.captures, event, [], origin, text);
    // An exception named in the line, printed with no traceback: the causes read it as they read one.
    const error = errorInLine(event);
    if (error) {
      for (const cause of CAUSES) {
        const captures = cause.matchError?.(error);
        if (captures) return this.claim(cause.meta.id, captures, event, [], origin, text);
      }
    }
    this.unclaimedLine(event, origin);
  }

  /** A cause recognised EVENT: its signal, and a line of the timeline. */
  private claim(
    cause: string,
    captures: Captures,
    event: LogEvent,
    context: string[],
    origin: string,
    summary: string,
  ): void {
    this.record({ cause, event, context, captures, origin });
    this.note(event, summary);
  }

  private unclaimedLine(event: LogEvent, origin: string): void {
    const kind = fatalnessOf(event);
    if (!kind) return;
    const list = kind === 'fatal' ? this.unclaimedLines : this.unclaimedSymptoms;
    const captures = kind === 'symptom' ? { symptom: 'yes', line: 'yes' } : { line: 'yes' };
    if (list.length < 20) list.push({ cause: 'unknown', event, context: [], captures, origin });
  }

  /** systemd's words about the unit: from `systemctl status` and from the journal. */
  private observeUnit(event: LogEvent): void {
    const t = event.text;
    const u = this.unit;
    if (event.source === 'systemctl-status') {
      if (event.unit) u.name = event.unit;
      const a = /^Active: (\w+)(?: \(([\w-]+)\))?(?: \(Result: ([\w-]+)\))?/.exec(t);
      if (a) {
        u.active = a[1] ?? null;
        u.result = a[3] ?? u.result;
        this.statusSaysCrash = a[2] === 'auto-restart' || a[1] === 'failed';
      }
      const exec = /^Process: \d+ ExecStart=(\/\S+)/.exec(t);
      if (exec) this.execPath = exec[1] ?? null;
      const s = /\(code=(?:exited|killed|dumped), status=(\d+\/?\w*)\)/.exec(t);
      if (s) u.exitStatus = s[1] ?? null;
      return;
    }
    if (
      event.time &&
      this.killedAt.length < 100 &&
      /status=9\/KILL|signal=KILL|was sent SIGKILL|Failed with result 'oom-kill'| exited with code 137\b/.test(
        t,
      )
    )
      this.killedAt.push(event.time);
    if (!u.name && event.unit?.endsWith('.service')) u.name = event.unit;
    const restart = /restart counter is at (\d+)/.exec(t);
    if (restart) u.restarts = Math.max(u.restarts, Number(restart[1]));
    const exited = /Main process exited, code=(\w+), status=(\d+\/?\w*)/.exec(t);
    if (exited) {
      u.exitStatus = exited[2] ?? null;
      if (!/^0(?:\/SUCCESS)?$/.test(exited[2] ?? '')) this.failureAt = this.events;
    }
    if (
      /Failed with result|Start request repeated too quickly|Failed to start|Failed at step|Failed to locate executable/.test(
        t,
      )
    ) {
      this.failureAt = this.events;
    }
    const unitName = /^([\w@.:-]+\.service): /.exec(t)?.[1];
    if (unitName && !u.name) u.name = unitName;
    if (LISTENING.test(bare(t)) || /Application startup complete|celery@\S+ ready/.test(t)) {
      this.healthyAt = this.events;
      if (event.time) this.lastStart = event.time;
    }
  }

  private record(signal: Signal): void {
    // After a stop was asked for, a SIGKILL (exit 137) is the stop's timeout running out, not the OOM killer.
    const stopping = this.stopRequestedAt !== null && this.events - this.stopRequestedAt <= 40;
    if (stopping && signal.cause === 'oom_killed' && signal.captures.weak)
      signal.captures.stopTimeout = 'yes';
    const s = this.signals.get(signal.cause);
    if (s) {
      s.count += 1;
      s.last = signal;
      // the first ten and the latest twenty: a cause may want the earliest or the one that matches a moment
      s.all.push(signal);
      if (s.all.length > 30) s.all.splice(10, 1);
      // A vague line (a bare exit status, a 400 with no reason) gives way to the first one that says why.
      if (s.first.captures.weak && !signal.captures.weak) s.first = signal;
    } else {
      this.signals.set(signal.cause, { first: signal, last: signal, count: 1, all: [signal] });
    }
  }

  private route(path: string | undefined): void {
    if (!path) return;
    const p = path.replace(/\?.*$/, '');
    if (this.routes.size < 200 || this.routes.has(p)) this.routes.set(p, (this.routes.get(p) ?? 0) + 1);
  }

  private note(event: LogEvent, text: string): void {
    this.seq += 1;
    const entry: TimelineEntry = {
      time: event.time,
      source: event.unit ?? event.source,
      text: text.trim().slice(0, 300),
      seq: this.seq,
    };
    if (this.head.length < MAX_TIMELINE_HEAD) {
      this.head.push(entry);
      return;
    }
    this.tail.push(entry);
    if (this.tail.length > MAX_TIMELINE_TAIL) this.tail.shift();
  }
}

/** The MESSAGE of a journal JSON line, cheaply (no parse): the rest of the record would match anything. */
function messageOf(raw: string): string {
  if (raw.charCodeAt(0) !== 123) return raw;
  const start = raw.indexOf('"MESSAGE":');
  // journald writes binary messages as byte arrays: those get parsed whole.
  if (start === -1 || raw.charCodeAt(start + 10) === 91) return raw;
  let end = raw.indexOf('",', start + 11);
  while (end !== -1 && raw.charCodeAt(end - 1) === 92) end = raw.indexOf('",', end + 2);
  return raw.slice(start + 11, end === -1 ? raw.length : end);
}

const MESSAGE_KEY = Buffer.from('"MESSAGE":');
const QUOTE_COMMA = Buffer.from('",');

const HTTP = Buffer.from('HTTP/1.');

/** The bytes of an access log's line of a request that went fine ('HTTP/1.1" 200 ', JSON-escaped or not). */
function accessOkInBytes(data: Buffer, start: number, end: number): boolean {
  const h = data.indexOf(HTTP, start);
  if (h === -1 || h + 16 > end) return false;
  let i = h + 8;
  if (data[i] === 92) i += 1; // the backslash of a JSON-escaped quote
  if (data[i] !== 34 || data[i + 1] !== 32) return false;
  const c = data[i + 2] ?? 0;
  return (c === 50 || c === 51) && data[i + 5] === 32 && isDigit(data[i + 3]) && isDigit(data[i + 4]);
}

function isDigit(b: number | undefined): boolean {
  return b !== undefined && b >= 48 && b <= 57;
}

/** messageOf for the line DATA[START..END) in bytes: only the message is decoded. */
function messageOfBytes(data: Buffer, start: number, end: number): string {
  if (data[start] !== 123) return data.toString('utf8', start, end);
  const key = data.indexOf(MESSAGE_KEY, start);
  if (key === -1 || key >= end || data[key + 10] === 91) return data.toString('utf8', start, end);
  let close = data.indexOf(QUOTE_COMMA, key + 11);
  while (close !== -1 && close < end && data[close - 1] === 92) close = data.indexOf(QUOTE_COMMA, close + 2);
  return data.toString('utf8', key + 11, close === -1 || close > end ? end : close);
}
