import { type Envelope, parseLine } from './envelope.ts';
import type { LogEvent } from './event.ts';

/** All events of a text, for tests and small inputs. */
export function eventsOfText(text: string, env: Envelope): LogEvent[] {
  const out: LogEvent[] = [];
  text.split('\n').forEach((raw, i) => {
    const event = parseLine(raw, i + 1, env);
    if (event) out.push(event);
  });
  return out;
}
