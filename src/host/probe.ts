/** The result every host probe returns: data, or a typed failure; either way how long it took. */
export type ProbeResult<T, K extends string = string> =
  { ok: true; value: T; ms: number } | { ok: false; error: ProbeError<K>; ms: number };

/** Why a probe failed: a kind from the probe's own small closed union, and a line for humans. */
export type ProbeError<K extends string = string> = { kind: K; message: string };

/** Thrown inside a probe by `withTimeout` when its deadline passes; never escapes a probe. */
export class ProbeTimeout extends Error {
  override name = 'ProbeTimeout';
  readonly ms: number;
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.ms = ms;
  }
}

/**
 * Runs `fn` with a deadline: after `ms` the signal given to `fn` is aborted (so it can close its
 * socket or kill its child) and the returned promise rejects with a `ProbeTimeout`.
 */
export function withTimeout<T>(ms: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new ProbeTimeout(ms));
      controller.abort(new ProbeTimeout(ms));
    }, ms);
    let work: Promise<T>;
    try {
      work = fn(controller.signal);
    } catch (err) {
      clearTimeout(timer);
      reject(err);
      return;
    }
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

/**
 * The boundary of a probe: runs `fn` under `withTimeout`, measures it, and turns anything thrown
 * into a `ProbeError` through `classify` (a `ProbeTimeout` becomes kind `timeout`, its message
 * naming `target`; a classifier that throws, kind `other`).
 */
export async function probe<T, K extends string>(
  timeoutMs: number,
  fn: (signal: AbortSignal) => Promise<T>,
  classify: (err: unknown) => ProbeError<K>,
  target?: string,
): Promise<ProbeResult<T, K | 'timeout' | 'other'>> {
  const start = performance.now();
  try {
    const value = await withTimeout(timeoutMs, fn);
    return { ok: true, value, ms: elapsed(start) };
  } catch (err) {
    const error: ProbeError<K | 'timeout' | 'other'> =
      err instanceof ProbeTimeout
        ? { kind: 'timeout', message: target ? `${target}: ${err.message}` : err.message }
        : safeClassify(classify, err);
    return { ok: false, error, ms: elapsed(start) };
  }
}

// A classifier is pure and should not throw; if one does, the probe still keeps its promise.
function safeClassify<K extends string>(
  classify: (err: unknown) => ProbeError<K>,
  err: unknown,
): ProbeError<K | 'other'> {
  try {
    return classify(err);
  } catch {
    return { kind: 'other', message: messageOf(err) };
  }
}

export function elapsed(start: number): number {
  return Math.round((performance.now() - start) * 10) / 10;
}

/** The errno-style code of a Node error (`ECONNREFUSED`, `ENOENT`, `CERT_HAS_EXPIRED`...), if any. */
export function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // Happy-eyeballs connects fail with an AggregateError whose first member carries the code.
  const errors = (err as { errors?: unknown }).errors;
  if (Array.isArray(errors)) return codeOf(errors[0]);
  return undefined;
}

export function messageOf(err: unknown): string {
  if (err instanceof Error) {
    if (err.message) return err.message;
    const errors = (err as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors[0] instanceof Error) return errors[0].message;
    return err.name;
  }
  return String(err);
}

/** Removes the URL's password from a text, as written and as percent-decoded. */
export function redactPassword(text: string, url: string): string {
  let out = text.replace(/(\/\/[^:/@\s]*:)[^@\s]+@/g, '$1***@');
  const password = passwordOf(url);
  if (!password) return out;
  for (const secret of new Set([password, safeDecode(password)])) {
    if (secret) out = out.split(secret).join('***');
  }
  return out;
}

function passwordOf(url: string): string | undefined {
  try {
    return new URL(url).password || undefined;
  } catch {
    return /\/\/[^:/@\s]*:([^@\s]+)@/.exec(url)?.[1];
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
