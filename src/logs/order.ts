// Some log views list the newest line first (a container's log exported from Synology's Docker view, web
// consoles). Tracebacks and "what came first" only read right oldest first: such a paste is turned over.
import { type Envelope, parseLine } from './envelope.ts';

/** Whether LINES (the head of an input) are newest first: their times only ever go down, and do so often. */
export function newestFirst(lines: readonly string[], env: Envelope): boolean {
  let previous: string | null = null;
  let down = 0;
  let up = 0;
  for (const [i, raw] of lines.entries()) {
    const time = parseLine(raw, i + 1, env)?.time;
    if (!time) continue;
    if (previous !== null) {
      if (time < previous) down += 1;
      else if (time > previous) up += 1;
    }
    previous = time;
  }
  return down >= 2 && up === 0;
}
