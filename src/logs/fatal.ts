// Whether a line that no cause explains still reads as an error: an honest "unknown" names the first one
// as the evidence to read. A symptom (a restart, a worker that failed to boot) only counts when nothing
// better is in the log.
import type { LogEvent } from './event.ts';
import { messageOf } from './prefix.ts';

export type Fatalness = 'fatal' | 'symptom';

// What the app servers, supervisors and runtimes print when they stop something: the consequence, not the cause.
const SYMPTOM =
  /Worker failed to boot|Shutting down: Master|Reason: (?:Worker|App) failed|Main process exited|Failed with result|Scheduled restart|Start request repeated|Failed to start|exited with code \d+|Back-off restarting|CrashLoopBackOff|entered FATAL state|exited: \S+ \(exit status|gave up: |DAMN ! worker \d+ \(pid: \d+\) died|Application startup failed|Worker exiting|Exception in worker process|Exception in ASGI application|Error handling request|Traceback \(most recent call last\)/;

// Lines that say a process died or gave up, whatever printed them.
const FATAL =
  /Segmentation [Ff]ault|exec format error|SIGSEGV|SIGILL|SIGBUS|SIGABRT|core dumped|Illegal instruction|was sent code \d+|was sent SIG(?!TERM|HUP|INT|QUIT|WINCH|USR)[A-Z]+|terminated due to signal (?!(?:1|2|3|15)\b)\d+|exited with 'signal \d+|Unrecoverable error|GAME OVER|Failed to find application|\bpanic: |\bFATAL\b|\bFatal error\b|Fatal Python error: |^Error: |^error: |: error: |[Nn]o such file or directory$|\b(?:[a-z_]\w*\.){1,6}[A-Z]\w+: \S|: not found$|command not found|\b[A-Z]\w*(?:Error|Exception): \S/;

const LEVELS = new Set(['error', 'critical']);

export function fatalnessOf(event: LogEvent): Fatalness | null {
  const text = messageOf(event.text);
  if (SYMPTOM.test(text)) return 'symptom';
  if (FATAL.test(text)) return 'fatal';
  // A logger's own level: only for a line that says something (not an access log's 4xx).
  if (LEVELS.has(event.level) && event.source !== 'nginx-access' && /[a-z]{3}/.test(text)) return 'fatal';
  return null;
}
