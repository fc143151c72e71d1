// The lines an incident is told in: what crashed and how, and the state a resolved one is in.
import type { Incident } from '../store/store.ts';
import type { JournalSignal } from './journal.ts';

const SIGNALS: Record<string, string> = {
  '1': 'SIGHUP',
  '2': 'SIGINT',
  '6': 'SIGABRT',
  '9': 'SIGKILL',
  '11': 'SIGSEGV',
  '15': 'SIGTERM',
};

function signalName(status: string): string {
  const known = SIGNALS[status];
  if (known) return known;
  return /^[A-Z]+$/.test(status) ? `SIG${status}` : `signal ${status}`;
}

export function crashSummary(s: Extract<JournalSignal, { kind: 'exit' }>): string {
  if (s.code === 'killed' || s.code === 'dumped')
    return `${s.unit} crashed: its main process was killed by ${signalName(s.status)}${s.code === 'dumped' ? ' (core dumped)' : ''}`;
  return `${s.unit} crashed: its main process exited with status ${s.status}`;
}

export function oomSummary(s: Extract<JournalSignal, { kind: 'oom' }>): string {
  const victim = s.process ? `${s.process}${s.pid ? ` (pid ${s.pid})` : ''}` : 'a process';
  return `the kernel OOM-killed ${victim} of ${s.unit}`;
}

/** The state line of a "resolved" alert. */
export function resolvedLine(i: Incident): string {
  return `${i.unit} up and healthy since ${(i.recoveredAt ?? i.resolvedAt ?? '').slice(11, 19)} UTC`;
}
