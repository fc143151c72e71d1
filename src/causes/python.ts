// Reading a stitched Python traceback: which frames are the app's own, and the text of its exceptions.
import type { PythonError } from '../logs/traceback.ts';

export interface Frame {
  file: string;
  line: number;
  func: string;
}

const FRAME = /^\s*File "([^"]+)", line (\d+), in (.+)$/;

export function framesOf(error: PythonError): Frame[] {
  const out: Frame[] = [];
  for (const line of error.context) {
    const m = FRAME.exec(line);
    if (m) out.push({ file: m[1] ?? '', line: Number(m[2]), func: (m[3] ?? '').trim() });
  }
  return out;
}

/** Installed packages and the standard library, as opposed to the app's own code. */
export function isLibraryFile(file: string): boolean {
  return (
    file.startsWith('<') ||
    /\/(?:site|dist)-packages\//.test(file) ||
    /\/lib\/python\d(?:\.\d+)?\/(?!site-packages)/.test(file) ||
    /\/lib64\/python\d/.test(file) ||
    /\/bin\/[\w.-]+$/.test(file)
  );
}

export function appFrames(error: PythonError): Frame[] {
  return framesOf(error).filter((f) => !isLibraryFile(f.file));
}

/** Every exception of the chain as "Type: message", the first cause first. */
export function exceptionsText(error: PythonError): string {
  return error.chain.map((e) => (e.message ? `${e.type}: ${e.message}` : e.type)).join('\n');
}

/** The last word of a dotted exception type: "psycopg2.OperationalError" → "OperationalError". */
export function shortType(type: string): string {
  return type.slice(type.lastIndexOf('.') + 1);
}

export function hasType(error: PythonError, ...names: string[]): boolean {
  return error.chain.some((e) => names.includes(shortType(e.type)));
}

/** The names people give the module a server loads: "wsgi", "myproject.wsgi", "app.main", "main", "asgi". */
export const ENTRY_MODULE = /^(?:[\w.]+\.)?(?:wsgi|asgi|main|app|application|server|run)$/;
