// The journal as a stream of events about the watched units: systemd's own structured messages (by
// MESSAGE_ID, stable across versions and languages), the app's lines that mean a crash, and the kernel's
// OOM kills, from the entries host/journal-follow.ts reads as they are written.
import { matchMessage } from '../causes/messages/index.ts';

/** systemd's catalog ids (systemd/sd-messages.h). */
const MSG = {
  processExit: '98e322203f7a4ed290d09fe03c09fe15',
  failureResult: 'd9b373ed55a64feb8242e02dbe79a49c',
  restartScheduled: '5eb03494b6584870a536b337290809b3',
  started: '39f53479d3a045ac8e11786248231fbf',
  stopping: 'de5b426a63be47a7b6ac3eaac82e2f6f',
  stopped: '9d1aaa27d60140bd96365438aad20286',
  unitOom: 'fe6faa94e7774663a0da52717891d8ef',
} as const;

export type JournalSignal =
  /** The main process died: code=exited with a failing status, or killed by a signal. */
  | { kind: 'exit'; unit: string; time: string; text: string; code: string; status: string }
  /** systemd gave the unit a failed result (exit-code, signal, oom-kill, start-limit-hit, ...). */
  | { kind: 'failed'; unit: string; time: string; text: string; result: string }
  | { kind: 'restart_scheduled'; unit: string; time: string; text: string; n: number }
  | { kind: 'started'; unit: string; time: string; text: string }
  /** A stop job: a person or a tool stopped the unit on purpose (a restart's stop is not one). */
  | { kind: 'stopping'; unit: string; time: string; text: string }
  /** An OOM kill of one of the unit's processes (systemd's own report, or the kernel's line). */
  | { kind: 'oom'; unit: string; time: string; text: string; pid?: number; process?: string }
  /** The app server lost a worker to a signal (Gunicorn's SIGKILL line, Uvicorn's "died"). */
  | { kind: 'worker_killed'; unit: string; time: string; text: string };

/** A kernel OOM line not tied to a unit by its cgroup: the process it killed. */
export interface KernelOom {
  time: string;
  text: string;
  pid: number;
  process: string;
  memcg: string | null;
}

export type JournalFields = Record<string, unknown>;

function field(e: JournalFields, name: string): string {
  const v = e[name];
  if (typeof v === 'string') return v;
  // journalctl prints a non-UTF-8 value as an array of bytes
  if (Array.isArray(v)) return Buffer.from(v as number[]).toString('utf8');
  return '';
}

export function timeOf(e: JournalFields): string {
  const us = Number(field(e, '__REALTIME_TIMESTAMP'));
  return Number.isFinite(us) && us > 0 ? new Date(us / 1000).toISOString() : new Date().toISOString();
}

/** What one `journalctl -o json` entry means for the watched units, or null. */
export function signalOf(e: JournalFields, units: readonly string[]): JournalSignal | KernelOom | null {
  const text = field(e, 'MESSAGE');
  const time = timeOf(e);
  if (field(e, '_TRANSPORT') === 'kernel') return kernelOom(text, time);
  const about = field(e, 'UNIT');
  const own = field(e, '_SYSTEMD_UNIT');
  if (about && units.includes(about) && (field(e, '_PID') === '1' || own === 'init.scope')) {
    switch (field(e, 'MESSAGE_ID')) {
      case MSG.processExit: {
        const code = field(e, 'EXIT_CODE');
        const status = field(e, 'EXIT_STATUS');
        if (code === 'exited' && status === '0') return null;
        return { kind: 'exit', unit: about, time, text, code, status };
      }
      case MSG.failureResult:
        return { kind: 'failed', unit: about, time, text, result: field(e, 'UNIT_RESULT') };
      case MSG.restartScheduled:
        return { kind: 'restart_scheduled', unit: about, time, text, n: Number(field(e, 'N_RESTARTS')) || 0 };
      case MSG.started:
        return field(e, 'JOB_RESULT') === 'done' ? { kind: 'started', unit: about, time, text } : null;
      case MSG.stopping:
        return field(e, 'JOB_TYPE') === 'stop' ? { kind: 'stopping', unit: about, time, text } : null;
      case MSG.unitOom:
        return { kind: 'oom', unit: about, time, text };
      default:
        return null;
    }
  }
  if (own && units.includes(own)) {
    if (/Worker \(pid:\d+\) was sent SIGKILL|Child process \[\d+\] died/.test(text))
      return { kind: 'worker_killed', unit: own, time, text };
  }
  return null;
}

/** The kernel's line that names the process it killed (the inventory's kernel messages), or null. */
function kernelOom(text: string, time: string): KernelOom | null {
  const hit = matchMessage(text);
  // (only the lines that name the killed process capture a pid: not "X invoked oom-killer", which names the
  // task that asked for memory)
  if (hit?.message.program !== 'kernel' || hit.message.cause !== 'oom_killed' || !hit.captures.pid)
    return null;
  return {
    time,
    text,
    pid: Number(hit.captures.pid),
    process: hit.captures.name ?? '',
    memcg: hit.captures.cgroup ?? null,
  };
}

/** The watched unit a kernel OOM kill belongs to: by its cgroup, by a pid seen in the unit, or by name. */
export function unitOfKernelOom(
  oom: KernelOom,
  units: readonly { unit: string; pids: ReadonlySet<number>; comm: string }[],
): string | null {
  const byCgroup = units.find((u) => oom.memcg?.split('/').includes(u.unit));
  if (byCgroup) return byCgroup.unit;
  const byPid = units.find((u) => u.pids.has(oom.pid));
  if (byPid) return byPid.unit;
  const byName = units.filter((u) => u.comm !== '' && u.comm === oom.process);
  return byName.length === 1 ? (byName[0]?.unit ?? null) : null;
}
