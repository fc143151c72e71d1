import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { type Envelope, parseLine } from './envelope.ts';
import type { LogEvent } from './event.ts';
import { linesOf } from './lines.ts';

export { MAX_LINE } from './lines.ts';

/** Events of every line of a stream, in order. Lines that carry no log content are skipped. */
export async function* eventsOf(input: Readable, env: Envelope): AsyncGenerator<LogEvent> {
  let n = 0;
  for await (const raw of linesOf(input)) {
    n += 1;
    const event = parseLine(raw, n, env);
    if (event) yield event;
  }
}

export function eventsOfFile(path: string, env: Envelope): AsyncGenerator<LogEvent> {
  return eventsOf(path === '-' ? process.stdin : createReadStream(path, { highWaterMark: 1024 * 1024 }), env);
}

/** All events of a text, for tests and small inputs. */
export function eventsOfText(text: string, env: Envelope): LogEvent[] {
  const out: LogEvent[] = [];
  text.split('\n').forEach((raw, i) => {
    const event = parseLine(raw, i + 1, env);
    if (event) out.push(event);
  });
  return out;
}
