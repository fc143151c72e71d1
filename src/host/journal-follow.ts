// The journal as it is written: `journalctl -f -o json` wakes on inotify, so an entry reaches medic in
// milliseconds, not a poll later.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** One `journalctl -o json` entry: its fields as journalctl prints them. */
export type JournalEntry = Record<string, unknown>;

export interface JournalFollower {
  stop(): void;
}

/**
 * Follows the journal for these units and the kernel from now on; restarts journalctl if it dies, from
 * the last entry it printed, so nothing in between is missed.
 */
export function followJournal(
  units: readonly string[],
  onEntry: (e: JournalEntry) => void,
  onProblem: (message: string) => void,
): JournalFollower {
  let child: ChildProcess | null = null;
  let cursor: string | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const matches = units.flatMap((u) => [`_SYSTEMD_UNIT=${u}`, '+', `UNIT=${u}`, '+']);
  const start = () => {
    const args = [
      '-f',
      '-o',
      'json',
      '--no-pager',
      ...(cursor ? [`--after-cursor=${cursor}`] : ['-n', '0']),
      ...matches,
      '_TRANSPORT=kernel',
    ];
    const c = spawn('journalctl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    let stderr = '';
    c.stderr?.on('data', (d: Buffer) => {
      if (stderr.length < 2000) stderr += d.toString();
    });
    const lines = createInterface({ input: c.stdout! });
    lines.on('line', (line) => {
      let e: JournalEntry;
      try {
        e = JSON.parse(line) as JournalEntry;
      } catch {
        return;
      }
      const at = e['__CURSOR'];
      if (typeof at === 'string') cursor = at;
      onEntry(e);
    });
    c.on('error', (err) => onProblem(`cannot run journalctl: ${err.message}`));
    c.on('close', (code) => {
      child = null;
      if (stopped) return;
      onProblem(
        `journalctl exited (${code ?? 'signal'})${stderr ? `: ${stderr.trim().split('\n')[0]}` : ''}; following again in 1 s`,
      );
      timer = setTimeout(start, 1000);
    });
  };
  start();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      child?.kill('SIGTERM');
    },
  };
}
