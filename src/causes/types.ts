// The shape of a cause: an ESLint-rule-like module with meta, pure matchers over log lines and Python
// errors, an optional decision over every piece of evidence, and the fix as commands.
import type { Bind } from '../app/bind.ts';
import type { LogEvent } from '../logs/event.ts';
import type { PythonError } from '../logs/traceback.ts';

export const LAYERS = [
  'dns',
  'tls',
  'firewall',
  'proxy',
  'upstream',
  'process',
  'app',
  'runtime',
  'database',
  'cache',
  'workers',
  'host',
] as const;
export type Layer = (typeof LAYERS)[number];

export type Confidence = 'high' | 'medium' | 'low';

/** Values a matcher captured from a line: the module, the variable, the path, the port... */
export type Captures = Record<string, string | undefined>;

/** A line (or a stitched traceback) that a cause recognised. */
export interface Signal {
  cause: string;
  event: LogEvent;
  /** For a traceback: the frames, as printed. */
  context: string[];
  captures: Captures;
  /** The input it came from (a --log file, or journal, nginx error.log when live). */
  origin: string;
}

export interface SignalSummary {
  first: Signal;
  last: Signal;
  count: number;
  /** The first ten and the latest twenty, for causes that must choose among them. */
  all: Signal[];
}

/** Where the app listens: a TCP address or a unix socket, as app servers and Nginx name them. */
export type { Bind };

/** Nginx failing to reach an upstream: the target it tried and the errno it got. */
export interface UpstreamFailure {
  target: Bind;
  errno: number;
  reason: string;
  event: LogEvent;
  origin: string;
}

/** The unit as systemd reports it (live from `systemctl show`, offline from `systemctl status` and the journal). */
export interface UnitObservation {
  name: string | null;
  active: string | null;
  result: string | null;
  restarts: number;
  exitStatus: string | null;
  /** systemd's own failure lines: "Failed to locate executable ...", "status=203/EXEC". */
  crashLoop: boolean;
}

/** Live probe results along the request path, when medic runs on the server itself. */
export interface Probes {
  dns?: { name: string; addresses: string[]; local: boolean; error?: string };
  tls?: { name: string; daysLeft?: number; validTo?: string; error?: string };
  nginxTest?: { ok: boolean; output: string };
  /** Nginx's upstream for the app, and what happened when medic connected to it. */
  upstream?: { target: Bind; result: string; listeners: string[] };
  health?: { url: string; status?: number; error?: string; body?: string };
  static?: { url: string; status?: number; path?: string; exists?: boolean };
  database?: { url: string; result: string; message?: string };
  cache?: { url: string; result: string; message?: string };
  workers?: { unit: string; active: string }[];
  disk?: { path: string; usedPercent: number; freeBytes: number }[];
  memory?: { usedPercent: number; availableBytes: number };
  /** Facts about the project that can only be read on the host. */
  python?: { version: string; requires?: string; pinned?: string };
  migrations?: { pending: string[]; tool: string };
}

/** What the app is, as far as medic knows: names used in fixes. */
export interface Target {
  unit: string | null;
  workdir: string | null;
  venv: string | null;
  envFile: string | null;
  user: string | null;
  nginxSite: string | null;
  serverName: string | null;
  binds: Bind[];
  /** A container's name and compose service, when the app runs in one: its fixes are docker's. */
  container?: { name: string; service: string | null; workdir: string | null };
}

export interface Evidence {
  signals: Map<string, SignalSummary>;
  binds: Bind[];
  /** The lines where the app said where it listens. */
  bindEvents: { bind: Bind; event: LogEvent; origin: string }[];
  upstreamFailures: UpstreamFailure[];
  unit: UnitObservation;
  probes: Probes | null;
  target: Target;
  /** When the app's process was killed by SIGKILL (systemd's status=9/KILL, Gunicorn's "sent SIGKILL"). */
  killedAt: string[];
  /** The kernel's log was read (live): a SIGKILL with no OOM line in it was sent by someone else. */
  kernelLogRead?: boolean;
  /** The moment the evidence describes: now when live, the last line's time offline. */
  now: string | null;
  /** When the server last started and listened: errors before it are history unless it still crashes. */
  lastStart: string | null;
  /** The app runs in a container: a loopback bind is unreachable from outside it. */
  inContainer: boolean;
  /** Containers the logs saw exit ("web_1 exited with code 1"): Docker's DNS no longer knows their names. */
  exitedContainers?: string[];
  /** Gunicorn's worker class as the logs or the unit name it (sync, gthread, gevent, uvicorn.workers.UvicornWorker). */
  workerClass?: string | null;
  /** HTTP status counts seen in access logs, by class: "5xx" → n. */
  statuses: Record<string, number>;
}

export interface Finding {
  confidence: Confidence;
  /** The line that proves it, when one does. */
  signal: Signal | null;
  evidence: string[];
  captures: Captures;
}

export interface Cause {
  meta: {
    id: string;
    title: string;
    layer: Layer;
    /** What it means and how people usually get there, for docs and --explain. */
    docs: string;
    /** The site stays up while it holds: the status is "degraded", not "failing". */
    degrades?: true;
    /** Cheap words every line its matchLine claims carries; the quick pre-filter is their union. */
    worthMatching?: RegExp;
    /** Causes whose matchers also claim some of its lines: it must come before them in the index. */
    precedes?: string[];
  };
  /** A Python error (a whole stitched traceback) that this cause explains. */
  matchError?: (error: PythonError) => Captures | null;
  /** A single log line that this cause explains. */
  matchLine?: (event: LogEvent) => Captures | null;
  /**
   * Decides from all the evidence. Without it, the cause is found when one of its signals is.
   * Returns null when the evidence does not point here.
   */
  decide?: (evidence: Evidence) => Finding | null;
  /**
   * Why this cause's own lines do not prove it here, for the honest "unknown" that then cites them
   * (a WORKER TIMEOUT under an async worker is a blocked event loop, not a slow request).
   */
  ruledOut?: (evidence: Evidence) => string | null;
  /** The fix, as commands to paste, with the real names where they are known. */
  fix: (captures: Captures, target: Target) => string[];
}

/** A line as evidence: where it is, and what it says. */
export function cite(origin: string, event: LogEvent): string {
  return `${origin}:${event.line}: ${event.text.trim()}`;
}

/** A signal made from one line (or a probe's result), for causes that decide from more than matchers. */
export function lineSignal(cause: string, event: LogEvent, origin: string): Signal {
  return { cause, event, context: [], captures: {}, origin };
}

/** The default decision: the cause's first signal proves it. */
export function fromSignal(
  cause: string,
  evidence: Evidence,
  confidence: Confidence = 'high',
): Finding | null {
  const s = evidence.signals.get(cause);
  if (!s) return null;
  const times = s.count > 1 ? ` (${s.count} times)` : '';
  return {
    confidence,
    signal: s.first,
    evidence: [`${cite(s.first.origin, s.first.event)}${times}`],
    captures: s.first.captures,
  };
}

/** The names a fix can use: the unit's name, or a placeholder a human fills in. */
export function unitName(target: Target): string {
  return target.unit ?? 'APP.service';
}
