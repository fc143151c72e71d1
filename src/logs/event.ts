/** One line of a log, whatever it came from, after its envelope (journal, docker, syslog prefix) is removed. */
export interface LogEvent {
  /** ISO-8601 UTC, or null when the line carries no usable time. */
  time: string | null;
  /** Where the line came from: journal, nginx-error, nginx-access, kernel, docker, systemctl-status, shell (a command typed at a prompt), plain. */
  source: string;
  /** The systemd unit or syslog identifier, when known. */
  unit: string | null;
  pid: number | null;
  level: Level;
  text: string;
  /** 1-based line number in the input, for evidence. */
  line: number;
  /** The order it was read in, when that is not the line's (a paste listed newest first, read turned over). */
  seq?: number;
  /** The level as the program wrote it, when it says more than `level` (nginx's "emerg"). */
  tag?: string;
}

export type Level = 'debug' | 'info' | 'notice' | 'warning' | 'error' | 'critical';

/** syslog priorities (journal PRIORITY=) to levels. */
export function levelOfPriority(priority: number): Level {
  if (priority <= 2) return 'critical';
  if (priority === 3) return 'error';
  if (priority === 4) return 'warning';
  if (priority === 5) return 'notice';
  if (priority === 6) return 'info';
  return 'debug';
}

/** Where EVENT comes in the order of reading. */
export function readOrder(event: LogEvent): number {
  return event.seq ?? event.line;
}
