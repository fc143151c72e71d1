// Splits a byte stream into lines with bounded memory: a line longer than MAX_LINE is cut and the rest of
// it skipped, so a file with no newline at all (or binary data) cannot exhaust memory.
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

export const MAX_LINE = 64 * 1024;

export async function* linesOf(input: Readable, maxLine = MAX_LINE): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  let skipping = false;
  for await (const chunk of input) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer);
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl === -1) break;
      if (skipping) {
        skipping = false;
      } else {
        const piece = text.slice(start, nl);
        yield partial.length > 0
          ? (partial + piece).slice(0, maxLine)
          : piece.length > maxLine
            ? piece.slice(0, maxLine)
            : piece;
      }
      partial = '';
      start = nl + 1;
    }
    if (!skipping && start < text.length) {
      partial += text.slice(start);
      if (partial.length > maxLine) {
        // Keep the head of the line (it carries the timestamp and the message) and drop the rest.
        yield partial.slice(0, maxLine);
        partial = '';
        skipping = true;
      }
    }
  }
  const rest = partial + decoder.end();
  if (!skipping && rest.length > 0) yield rest.slice(0, maxLine);
}

/**
 * Calls ONLINE with each line of INPUT as bytes, without decoding it: the line is DATA[START..END), a view
 * into the chunk valid during the call only. A reader that skips most lines tests them before paying for a
 * string or even a Buffer object per line. Lines longer than MAXLINE are cut, as in linesOf.
 */
export async function eachLine(
  input: AsyncIterable<Buffer | string>,
  onLine: (data: Buffer, start: number, end: number) => void,
  maxLine = MAX_LINE,
): Promise<void> {
  let partial: Buffer | null = null;
  let skipping = false;
  const whole = (line: Buffer) => onLine(line, 0, Math.min(line.length, maxLine));
  for await (const chunk of input) {
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    let start = 0;
    for (;;) {
      const nl = data.indexOf(10, start);
      if (nl === -1) break;
      if (skipping) skipping = false;
      else if (partial) whole(Buffer.concat([partial, data.subarray(start, nl)]));
      else onLine(data, start, nl - start > maxLine ? start + maxLine : nl);
      partial = null;
      start = nl + 1;
    }
    if (!skipping && start < data.length) {
      partial = partial ? Buffer.concat([partial, data.subarray(start)]) : Buffer.from(data.subarray(start));
      if (partial.length > maxLine) {
        whole(partial);
        partial = null;
        skipping = true;
      }
    }
  }
  if (!skipping && partial && partial.length > 0) whole(partial);
}

/**
 * The chunks of a file, read into one buffer used again and again: a gigabyte goes through 1 MB of memory
 * instead of a thousand buffers waiting for the garbage collector. Each chunk is valid until the next one.
 */
export async function* chunksOfFile(path: string, size = 1024 * 1024): AsyncGenerator<Buffer> {
  const file = await open(path, 'r');
  try {
    // two buffers: the next read runs while the caller works through the chunk it was given
    const buffers: [Buffer, Buffer] = [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)];
    let turn: 0 | 1 = 0;
    let next: Promise<{ bytesRead: number }> = file.read(buffers[0], 0, size, null);
    for (;;) {
      const { bytesRead } = await next;
      if (bytesRead === 0) return;
      const current = buffers[turn];
      turn = turn === 0 ? 1 : 0;
      next = file.read(buffers[turn], 0, size, null);
      yield current.subarray(0, bytesRead);
    }
  } finally {
    await file.close();
  }
}
