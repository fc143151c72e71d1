import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { type Envelope, parseLine } from './envelope.ts';
import type { LogEvent } from './event.ts';

/** Longest line kept whole; longer lines are cut, so one hostile line cannot exhaust memory. */
export const MAX_LINE = 64 * 1024;

/** Events of every line of a stream, in order. Lines that carry no log content are skipped. */
export async function* eventsOf(input: Readable, env: Envelope): AsyncGenerator<LogEvent> {
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  for await (const raw of lines) {
    n += 1;
    const event = parseLine(raw.length > MAX_LINE ? raw.slice(0, MAX_LINE) : raw, n, env);
    if (event) yield event;
  }
}

export function eventsOfFile(path: string, env: Envelope): AsyncGenerator<LogEvent> {
  return eventsOf(path === '-' ? process.stdin : createReadStream(path), env);
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
