// Hostile-input fuzzing of every parser of text medic reads: log lines and whole logs, nginx configurations,
// systemd units and `systemctl show` output, environment files, gunicorn config files and app-server command
// lines. Each property feeds generated inputs (real fragments of each format, mutated, mixed with random
// unicode and with long runs of the characters that stress regexes) and asserts that no call throws and
// that no call takes longer than BUDGET_MS.
//
//   npm run test:fuzz                                  100,000 inputs per parser, a random seed
//   MEDIC_FUZZ_SEED=123 MEDIC_FUZZ_RUNS=1000 npm run test:fuzz   repeat a run, or a quick one
//   node --test --test-name-pattern=nginx test/fuzz/parsers.fuzz.ts   some of the parsers
//   MEDIC_FUZZ_WORKERS=1                               one parser at a time (default: one per core)
//   MEDIC_FUZZ_TRACE=FILE                              each input written to FILE.<parser> before its call,
//                                                      to find one that never returns
//   MEDIC_FUZZ_LIMIT_S=900                             a parser's whole run is stopped after this long
//
// Each parser's property runs in a worker thread, as many at once as there are cores. A failure prints the
// seed, the fast-check path, the shrunk input (truncated) and the error; the whole shrunk input is written
// to a JSON file in the temporary directory to replay it exactly. The real fragments come from test/fixtures
// and test/corpus: a seed repeats a run as long as those files are the same.
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import fc from 'fast-check';
import { parseBind } from '../../src/app/bind.ts';
import { analyseConfig } from '../../src/app/python-config.ts';
import { appServerOf } from '../../src/app/server.ts';
import { parseEnvFile } from '../../src/app/envfile.ts';
import { diagnoseText } from '../../src/diagnose/offline.ts';
import { type Envelope, parseLine } from '../../src/logs/envelope.ts';
import type { LogEvent } from '../../src/logs/event.ts';
import { messageOf, prefixOf } from '../../src/logs/prefix.ts';
import { TracebackStitcher, errorInLine } from '../../src/logs/traceback.ts';
import {
  type Directive,
  matchesGlob,
  parseNginx,
  parseNginxDump,
  parseNginxText,
  walk,
} from '../../src/nginx/config.ts';
import {
  type UpstreamTarget,
  resolvePass,
  siteForBind,
  sitesOf,
  upstreamOf,
  upstreamsOf,
} from '../../src/nginx/sites.ts';
import {
  parseShow,
  parseShowTimestamp,
  parseShowUnits,
  showBoolean,
  showBytes,
  showEnvironment,
  showEnvironmentFiles,
  showExecCommands,
  showNumber,
  showSeconds,
  showTimestamp,
  showValue,
} from '../../src/systemd/show.ts';
import {
  type SystemdUnit,
  expandCommandLine,
  filesOfSystemctlCat,
  parseSystemctlCat,
  parseUnitFile,
  resolveSpecifiers,
  splitCommandLine,
  splitSystemdWords,
  unitEnvironment,
  unitEnvironmentFiles,
} from '../../src/systemd/unit.ts';

// ---------------------------------------------------------------------------------------------------------
// Settings, timing and reporting

function envInteger(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`${name}=${text}: give an integer`);
  return n;
}

/** In a worker: the property it runs, and the seed the main thread chose. */
const job = isMainThread ? null : (workerData as { property: string; seed: number });
const RUNS = envInteger('MEDIC_FUZZ_RUNS') ?? 100_000;
const SEED = job?.seed ?? envInteger('MEDIC_FUZZ_SEED') ?? Math.floor(Math.random() * 0x7fffffff);
const WORKERS = envInteger('MEDIC_FUZZ_WORKERS') ?? availableParallelism();
const LIMIT_MS = (envInteger('MEDIC_FUZZ_LIMIT_S') ?? 900) * 1000;
const TRACE = process.env.MEDIC_FUZZ_TRACE
  ? `${process.env.MEDIC_FUZZ_TRACE}.${(job?.property ?? 'main').replace(/\W+/g, '-')}`
  : undefined;
/**
 * The most one call of a parser may take on one input. What it catches is work that grows faster than the
 * input (backtracking, a quadratic scan): seconds on a 64 KiB line. A linear parser's slowest calls take up to
 * 50 ms of CPU on the longest inputs, and more on a machine whose other work contends for the caches (56.7 ms
 * once, beside the integration tests): three times that is room for load, not for a superlinear parser.
 */
const BUDGET_MS = 150;
/** medic cuts log lines at 64 KiB (src/logs/lines.ts); the long inputs here go up to that. */
const LONG = 64 * 1024;

if (isMainThread) {
  console.log(
    `fuzz: seed ${SEED} (MEDIC_FUZZ_SEED=${SEED} repeats this run), ${RUNS} runs per parser, ${WORKERS} at once`,
  );
}

interface Timing {
  name: string;
  totalMs: number;
  runs: number;
  slowestMs: number;
  slowestInput: string;
}
const timings: Timing[] = [];
let current: Timing | null = null;

class TooSlow extends Error {
  override name = 'TooSlow';
}

/** A short, printable form of an input: long strings keep their head and tail and say their length. */
function show(input: unknown, max = 1500): string {
  const text = JSON.stringify(input, (_key, value: unknown) =>
    typeof value === 'string' && value.length > 200
      ? `${value.slice(0, 120)}…[${value.length} chars]…${value.slice(-60)}`
      : value,
  );
  return text === undefined ? String(input) : text.length > max ? `${text.slice(0, max)}…` : text;
}

/** For pauses between the runs of a call that went over budget. */
const pause = new Int32Array(new SharedArrayBuffer(4));

/** The CPU time this thread has used, in ms, where Linux tells it (/proc/thread-self/schedstat); else null. */
function threadCpuMs(): number | null {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return null;
  }
}

/**
 * Runs one parser call and checks its time. A GC pause, a JIT compilation or another process on the same core
 * can stop the clock now and then; a slow parser is slow every time. So a call over budget is run again, up to
 * four times after longer and longer pauses, timed by the CPU time of this thread where Linux tells it (other
 * processes and the other fuzz workers do not count then), and the fastest run counts.
 * `call` must be repeatable: it builds any state it needs itself.
 */
function timed<T>(what: string, input: unknown, call: () => T): T {
  // A call that never returns (catastrophic backtracking) cannot be timed out: MEDIC_FUZZ_TRACE=FILE keeps
  // the input of each call in FILE before it runs, to find it.
  if (TRACE) writeFileSync(TRACE, JSON.stringify(input));
  const start = performance.now();
  let result = call();
  let best = performance.now() - start;
  let clock = 'wall';
  for (let retry = 1; best > BUDGET_MS && retry <= 4; retry++) {
    Atomics.wait(pause, 0, 0, 25 * retry);
    const cpuBefore = threadCpuMs();
    const wallBefore = performance.now();
    result = call();
    const wall = performance.now() - wallBefore;
    const cpuAfter = threadCpuMs();
    const cpu = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
    if (cpu !== null) clock = 'CPU';
    best = Math.min(best, cpu ?? wall);
  }
  if (best > BUDGET_MS) {
    throw new TooSlow(
      `${what} took ${best.toFixed(1)} ms of ${clock} time (budget ${BUDGET_MS} ms) on ${show(input)}`,
    );
  }
  if (current && best > current.slowestMs) {
    current.slowestMs = best;
    current.slowestInput = show(input, 160);
  }
  return result;
}

function report(name: string, details: fc.RunDetails<[unknown]>): string {
  const input = details.counterexample?.[0];
  let saved = '';
  try {
    const file = join(tmpdir(), `medic-fuzz-${name.replace(/\W+/g, '-')}-${details.seed}.json`);
    writeFileSync(file, JSON.stringify(input));
    saved = `\nthe whole input: ${file}`;
  } catch {
    // the report goes on without the file
  }
  const error = details.errorInstance;
  const what =
    error instanceof TooSlow
      ? error.message
      : error instanceof Error
        ? (error.stack ?? error.message).split('\n').slice(0, 14).join('\n')
        : String(error);
  return [
    `${name}: failed after ${details.numRuns} runs, shrunk ${details.numShrinks} times`,
    `seed ${details.seed}, path "${details.counterexamplePath}" (MEDIC_FUZZ_SEED=${details.seed})`,
    `input: ${show(input)}${saved}`,
    what,
  ].join('\n');
}

/** What a worker sends back: the failure's report, if any, and the timing. */
interface Outcome {
  failure: string | null;
  timing: Timing;
}

const properties = new Map<string, () => Outcome>();

/** One property: `run` must neither throw nor take longer than the budget (checked with `timed`). */
function fuzz<T>(name: string, arbitrary: fc.Arbitrary<T>, run: (input: T) => void): void {
  properties.set(name, () => {
    const timing: Timing = { name, totalMs: 0, runs: 0, slowestMs: 0, slowestInput: '' };
    current = timing;
    const start = performance.now();
    const details = fc.check(
      fc.property(arbitrary, (input) => {
        run(input);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    timing.totalMs = performance.now() - start;
    timing.runs = details.numRuns;
    current = null;
    return { failure: details.failed ? report(name, details as fc.RunDetails<[unknown]>) : null, timing };
  });
}

/**
 * Runs a property in a worker thread of this same file, with the stack a main thread has (about 1 MB). A call
 * that never returns (a regex backtracking for ever) is stopped with the worker after LIMIT_MS.
 */
function inWorker(property: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), {
      workerData: { property, seed: SEED },
      resourceLimits: { stackSizeMb: 1 },
    });
    const limit = setTimeout(() => {
      reject(
        new Error(
          `${property}: no answer after ${LIMIT_MS / 1000} s, an input may never return: ` +
            `MEDIC_FUZZ_SEED=${SEED} MEDIC_FUZZ_TRACE=/tmp/fuzz-input npm run test:fuzz keeps each input`,
        ),
      );
      void worker.terminate();
    }, LIMIT_MS);
    worker.once('message', (outcome: Outcome) => {
      clearTimeout(limit);
      resolve(outcome);
    });
    worker.once('error', (error) => {
      clearTimeout(limit);
      reject(error);
    });
    worker.once('exit', (code) => {
      clearTimeout(limit);
      reject(new Error(`the worker for ${property} exited with code ${code}`));
    });
  });
}

/** Registers every property as a test (in the main thread), or runs the worker's one. */
function start(): void {
  if (job) {
    const property = properties.get(job.property);
    if (!property) throw new Error(`no property ${job.property}`);
    parentPort?.postMessage(property());
    return;
  }
  describe('parsers', { concurrency: WORKERS }, () => {
    for (const name of properties.keys()) {
      test(name, async () => {
        const outcome = await inWorker(name);
        timings.push(outcome.timing);
        if (outcome.failure) throw new Error(outcome.failure);
      });
    }
  });
  after(printTimings);
}

/** How long each parser's run took, per input, and its slowest input. */
function printTimings(): void {
  if (timings.length === 0) return;
  const rows = timings.map(
    (t) =>
      `  ${t.name.padEnd(34)} ${(t.totalMs / 1000).toFixed(1).padStart(6)} s  ` +
      `${((t.totalMs * 1000) / Math.max(t.runs, 1)).toFixed(0).padStart(6)} µs/input  ` +
      `slowest ${t.slowestMs.toFixed(1).padStart(5)} ms: ${t.slowestInput}`,
  );
  const total = timings.reduce((sum, t) => sum + t.totalMs, 0);
  console.log(`fuzz timings (seed ${SEED}, total ${(total / 1000).toFixed(1)} s):\n${rows.join('\n')}`);
}

// ---------------------------------------------------------------------------------------------------------
// Generic generators

const SPECIAL_CHARS = [
  ...' \t\r\n\\"\'`{}[]()<>:;=$#%@!&|*?~^,./-_+0919azAZ',
  '\u0000',
  '\u000b',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u00a0',
  '\u2028',
  '\u2029',
  '\ufeff',
  '\ufffd',
  '月',
  'é',
  '€',
  '𝕏',
  '\ud800',
  '\udfff',
];

const special = fc.constantFrom(...SPECIAL_CHARS);
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));

/** Random text: any code point, printable ASCII, the characters that matter to parsers, lone surrogates. */
const junk = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 40 }),
  fc.string({ unit: special, maxLength: 40 }),
  fc.string({ unit: fc.oneof(special, loneSurrogate), maxLength: 8 }),
);

const digits = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 24 });

/** Runs that make regexes backtrack: "aaaa…", "[[[[", "::::", "''''", "a:a:a:", "{ ; }", "\\\\\\". */
const STRESS_UNITS = [
  'a',
  'A',
  '0',
  ' ',
  '\t',
  '  ',
  ' \t',
  '[',
  ']',
  '[[',
  '[a]',
  '{',
  '}',
  '{}',
  '${',
  '(',
  ')',
  '()',
  ':',
  '::',
  "'",
  "'''",
  '"',
  '"""',
  '\\',
  '\\\\',
  '\\ ',
  '$',
  '$$',
  '%',
  '%%',
  '=',
  '==',
  '#',
  ';',
  ' ; ',
  ',',
  '.',
  '/',
  '-',
  '*',
  '*a',
  '?',
  'a:',
  'a.',
  'a ',
  'a=',
  'a.b',
  'A.',
  'aError: ',
  'a.BError: ',
  'Error:',
  ': ',
  '0:',
  '1.',
  '00:',
  '[1]',
  '{ a ; }',
  ' } ; { ',
  '\\x',
  '\\U',
  '\\u',
  '\\0',
  'if a:',
  'a(',
  '[a',
  'f"{',
  '\r',
  '\n',
  ' \\\n',
  '\n\n',
  '月',
  '\u2028',
  'é',
];

function repeatTo(unit: string, length: number): string {
  return unit.repeat(Math.ceil(length / Math.max(unit.length, 1))).slice(0, length);
}

/** A run of one stress unit (up to 4 KiB), optionally with a different character at its end. */
const run = fc
  .tuple(
    fc.constantFrom(...STRESS_UNITS),
    fc.oneof(
      { weight: 12, arbitrary: fc.integer({ min: 1, max: 64 }) },
      { weight: 1, arbitrary: fc.integer({ min: 65, max: 4096 }) },
    ),
    fc.option(special, { nil: '' }),
  )
  .map(([unit, length, end]) => repeatTo(unit, length) + end);

/** A run as long as a log line may be: 64 KiB, or a little less. */
const hugeRun = fc
  .tuple(
    fc.constantFrom(...STRESS_UNITS),
    fc.integer({ min: LONG - 4096, max: LONG }),
    fc.option(fc.oneof(special, junk), { nil: '' }),
  )
  .map(([unit, length, end]) => repeatTo(unit, length) + end);

type Edit =
  | { kind: 'digits'; at: number; text: string }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'repeat'; at: number; length: number; times: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('digits' as const), at: fc.nat(), text: digits }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(special, junk, run) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 12 }) }),
  fc.record({
    kind: fc.constant('repeat' as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 8 }),
    times: fc.oneof(
      { weight: 12, arbitrary: fc.integer({ min: 2, max: 20 }) },
      { weight: 1, arbitrary: fc.integer({ min: 21, max: 3000 }) },
    ),
  }),
);

function applyEdit(text: string, e: Edit): string {
  const at = e.at % (text.length + 1);
  switch (e.kind) {
    case 'digits': {
      // The next number in the text becomes another one: huge, zero, or of another width.
      const m = /\d+/.exec(text.slice(at));
      if (!m) return text.slice(0, at) + e.text + text.slice(at);
      const start = at + m.index;
      return text.slice(0, start) + e.text + text.slice(start + m[0].length);
    }
    case 'insert':
      return text.slice(0, at) + e.text + text.slice(at);
    case 'delete':
      return text.slice(0, at) + text.slice(at + e.length);
    case 'repeat': {
      const piece = text.slice(at, at + e.length);
      return text.slice(0, at) + piece.repeat(e.times) + text.slice(at + e.length);
    }
  }
}

/** A fragment of a real format, as written or with a few edits. */
function mutated(base: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: base },
    {
      weight: 2,
      arbitrary: fc
        .tuple(base, fc.array(edit, { minLength: 1, maxLength: 4 }))
        .map(([text, edits]) => edits.reduce(applyEdit, text)),
    },
  );
}

/** Real fragments (mostly), random text, stress runs. */
function fragment(real: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 12, arbitrary: mutated(real) },
    { weight: 2, arbitrary: junk },
    { weight: 2, arbitrary: special },
    { weight: 2, arbitrary: run },
  );
}

/**
 * The longest input: a 64 KiB line and a little more. The budget is for one call on an input of this size,
 * which a parser that is linear in its input meets with room to spare.
 */
const MAX_INPUT = LONG + 4096;

/** Now and then (one input in `weight`) a 64 KiB run somewhere in the text; no text longer than MAX_INPUT. */
function withHuge(arbitrary: fc.Arbitrary<string>, weight = 150): fc.Arbitrary<string> {
  return fc
    .oneof(
      { weight, arbitrary },
      {
        weight: 1,
        arbitrary: fc.tuple(arbitrary, hugeRun, fc.nat()).map(([text, huge, at]) => {
          const i = at % (text.length + 1);
          return text.slice(0, i) + huge + text.slice(i);
        }),
      },
    )
    .map((text) => (text.length > MAX_INPUT ? text.slice(0, MAX_INPUT) : text));
}

/** Lines joined into a text, with \n or \r\n. */
function lines(line: fc.Arbitrary<string>, maxLength: number): fc.Arbitrary<string> {
  return fc
    .tuple(fc.array(line, { maxLength }), fc.constantFrom('\n', '\n', '\n', '\r\n'), fc.boolean())
    .map(([ls, eol, final]) => ls.join(eol) + (final ? eol : ''));
}

/** The lines of real files, some dropped, some replaced or joined by generated ones. */
function realFile(files: string[], line: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.constantFrom(...files),
      fc.array(fc.tuple(fc.nat(), fc.oneof(line, fc.constant(null))), { maxLength: 6 }),
    )
    .map(([file, changes]) => {
      const ls = file.split('\n');
      for (const [at, replacement] of changes) {
        const i = at % (ls.length + 1);
        if (replacement === null) ls.splice(i, 1);
        else ls.splice(i, at % 2, replacement);
      }
      return ls.join('\n');
    });
}

// Real inputs of each format: the fixtures and the corpus of public logs (read once, in a fixed order).
const ROOT = new URL('../../', import.meta.url);

function filesUnder(dir: string, test: (name: string) => boolean): string[] {
  const out: string[] = [];
  const walkDir = (path: string) => {
    let names: string[];
    try {
      names = readdirSync(path).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const full = join(path, name);
      if (statSync(full).isDirectory()) walkDir(full);
      else if (test(name)) out.push(readFileSync(full, 'utf8'));
    }
  };
  walkDir(new URL(dir, ROOT).pathname);
  return out;
}

function orDefault(texts: string[], fallback: string): string[] {
  return texts.length > 0 ? texts : [fallback];
}

// ---------------------------------------------------------------------------------------------------------
// Logs

const LOG_ENVELOPES = [
  'Nov 21 19:46:32 web1 gunicorn[84]: ',
  'Nov  1 19:46:32.123456 web1 gunicorn: ',
  'Feb 29 00:00:00 web1 kernel: ',
  '12月 21 19:46:32 web1 gunicorn[84]: ',
  'Sat 2026-11-21 19:46:32 UTC web1 gunicorn[84]: ',
  'Sat 2026-11-21 19:46:32.123 +0100 web1 gunicorn[84]: ',
  '1700000000.123456 web1 gunicorn[84]: ',
  '2026-11-21T19:46:32+0000 web1 gunicorn[84]: ',
  '2026-11-21T19:46:32.123456+01:00 web1 kernel: ',
  '<134>1 2026-11-21T19:46:32.003Z web1 gunicorn 84 - - ',
  '<134>1 2026-11-21T19:46:32.003Z web1 gunicorn - ID47 [exampleSDID@32473 iut="3" eventSource="App"] ',
  '2026-11-21T19:46:32.123456789Z ',
  '2026/11/21 19:46:33 [error] 1234#1234: *5 ',
  '2026/11/21 19:46:33 [emerg] 1#1: ',
  'nginx: [emerg] ',
  'nginx: [warn] ',
  '127.0.0.1 - - [21/Nov/2026:19:46:33 +0000] "GET /health HTTP/1.1" 502 166 "-" "curl/8.0" ',
  '2020-09-18T16:42:40.563700+00:00 app[web.1]: ',
  'web_1  | ',
  'app-web-1  | ',
  'web_1\t| ',
  'web_1  |',
  '[web] | ',
  '[web]  ',
  '14:07:12 web.1  | ',
  '[pod/web-7d9f8c-abcde/web] ',
  '[12345.678901] ',
  '[    0.000000] ',
  '$ ',
  '# ',
  'root@web1:~# ',
  'user@host:/srv$ ',
  '(venv) $ ',
  '● app.service - My app',
  '× app.service - Gunicorn for app',
  '     Loaded: loaded (/etc/systemd/system/app.service; enabled; preset: enabled)',
  '     Active: failed (Result: exit-code) since Sat 2026-11-21 19:46:33 UTC; 5s ago',
  '   Main PID: 84 (code=exited, status=1/FAILURE)',
  '    Process: 80 ExecStart=/srv/app/venv/bin/gunicorn app:app (code=exited, status=3)',
  '__REALTIME_TIMESTAMP=1700000000123456',
  '_SYSTEMD_UNIT=app.service',
  'SYSLOG_IDENTIFIER=gunicorn',
  '_PID=84',
  'MESSAGE=',
  '-- No entries --',
  '-- Boot 0123456789abcdef --',
  '-- Logs begin at Sat 2026-11-21 19:46:32 UTC, end at Sat 2026-11-21 20:00:00 UTC. --',
];

const LOGGER_PREFIXES = [
  '[2024-03-05 14:07:12 +0100] [812] [ERROR] ',
  '[2024-03-05 14:07:12,345 +0000] [1] [INFO] ',
  '[2024-03-05 14:07:12,345: ERROR/MainProcess] ',
  '[2024-03-05 14:07:12,345: WARNING/ForkPoolWorker-1] task[8a1b]: ',
  '[2024-03-05 14:07:12,345] ERROR in app: ',
  '[2024-03-05 14:07:12] [ERROR] ',
  '[2024-03-05T14:07:12.345Z] ',
  '2024-03-05 14:07:12,345 ERROR ',
  '2024-03-05 14:07:12,345 - app.main - ERROR - ',
  '2024-03-05 14:07:12.345 | ERROR    | app:main:12 - ',
  '2024-03-05 14:07:12.345 UTC [123] FATAL:  ',
  '2024-03-05 14:07:12.345 UTC [123] DETAIL:  ',
  '2024-03-05T14:07:12+05:30 [warning] ',
  'ERROR:root:',
  'CRITICAL:app.main:',
  'INFO:     ',
  'WARNING:  ',
  'error: ',
  'fatal: ',
];

const LOG_BODIES = [
  'Traceback (most recent call last):',
  '  File "/srv/app/app.py", line 1, in <module>',
  '    import foo',
  '  File "<frozen importlib._bootstrap>", line 1204, in _gcd_import',
  '`File "x.py", line 1, in <module>',
  '  File "x.py", line 1',
  "KeyError: 'SECRET_KEY'",
  "ModuleNotFoundError: No module named 'flask'",
  'psycopg2.OperationalError: connection to server at "127.0.0.1", port 5432 failed: Connection refused',
  '\tIs the server running on that host and accepting TCP/IP connections?',
  'django.core.exceptions.ImproperlyConfigured: The SECRET_KEY setting must not be empty.',
  'During handling of the above exception, another exception occurred:',
  'The above exception was the direct cause of the following exception:',
  'LINE 1: SELECT * FROM app_user',
  '        ^',
  'DETAIL:  Key (id)=(1) already exists.',
  'HINT:  No operator matches the given name and argument types.',
  '[SQL: SELECT 1]',
  '[parameters: {}]',
  '(Background on this error at: https://sqlalche.me/e/20/e3q8)',
  'pydantic_core._pydantic_core.ValidationError: 1 validation error for Settings',
  'database_url',
  '  Field required [type=missing, input_value={}, input_type=dict]',
  'seed.py: error: 2 validation errors for Settings',
  'SystemExit: 1',
  'KeyboardInterrupt',
  'OSError: [Errno 98] Address already in use',
  "PermissionError: [Errno 13] Permission denied: '/var/log/app.log'",
  '[CRITICAL] WORKER TIMEOUT (pid:123)',
  'Worker failed to boot.',
  'Shutting down: Master',
  'Reason: Worker failed to boot.',
  'Booting worker with pid: 85',
  'Listening at: http://127.0.0.1:8000 (84)',
  'Listening at: unix:/run/app/gunicorn.sock (84)',
  'Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)',
  'Out of memory: Killed process 1234 (gunicorn) total-vm:1000kB, anon-rss:900kB',
  'app.service: Main process exited, code=killed, status=9/KILL',
  "app.service: Failed with result 'exit-code'.",
  'app.service: Scheduled restart job, restart counter is at 5.',
  'Started app.service - Gunicorn for app.',
  'connect() failed (111: Connection refused) while connecting to upstream, client: 1.2.3.4, server: example.com, request: "GET / HTTP/1.1", upstream: "http://127.0.0.1:8000/", host: "example.com"',
  'connect() to unix:/run/app.sock failed (13: Permission denied) while connecting to upstream',
  'upstream timed out (110: Connection timed out) while reading response header from upstream',
  'unknown directive "proxy_passs" in /etc/nginx/sites-enabled/app:12',
  'No space left on device',
  'django.db.utils.ProgrammingError: relation "app_user" does not exist',
  'redis.exceptions.ConnectionError: Error 111 connecting to localhost:6379. Connection refused.',
  'Segmentation fault (core dumped)',
  'SyntaxError: invalid syntax',
  "Failed to find attribute 'app' in 'app'.",
  'ERROR:app:(psycopg2.OperationalError) could not connect to server',
  '[Error] hook.sh: PermissionError: [Errno 13] Permission denied',
  'You have 3 unapplied migration(s). Your project may not work properly until you apply the migrations.',
  "Invalid HTTP_HOST header: 'example.com'. You may need to add 'example.com' to ALLOWED_HOSTS.",
  'certificate has expired',
  'Temporary failure in name resolution',
];

const LOG_FILES = orDefault(
  [
    ...filesUnder('test/corpus/', (n) => n.endsWith('.log')),
    ...filesUnder('test/fixtures/testbed/', () => true),
    ...filesUnder('test/fixtures/journal/', () => true),
  ].filter((t) => t.length < 200_000),
  'Nov 21 19:46:32 web1 gunicorn[84]: Traceback (most recent call last):',
);
const REAL_LOG_LINES = [...new Set(LOG_FILES.flatMap((t) => t.split('\n')))].filter(
  (l) => l.length > 0 && l.length <= 400,
);

const journalJson = fc
  .record(
    {
      MESSAGE: fc.oneof(
        fc.constantFrom(...LOG_BODIES),
        junk,
        fc.array(fc.integer({ min: -300, max: 70000 }), { maxLength: 20 }),
        fc.jsonValue({ maxDepth: 2 }),
      ),
      __REALTIME_TIMESTAMP: fc.oneof(
        fc.constant('1700000000123456'),
        digits,
        fc.double(),
        fc.string({ maxLength: 8 }),
      ),
      _SOURCE_REALTIME_TIMESTAMP: digits,
      PRIORITY: fc.oneof(
        fc.constantFrom('0', '3', '4', '6', '7', '-1', '99', ''),
        fc.integer(),
        fc.constant(null),
      ),
      _PID: fc.oneof(digits, fc.constant(''), fc.integer(), fc.constant(null)),
      _TRANSPORT: fc.constantFrom('kernel', 'journal', 'stdout', 'syslog', 5),
      UNIT: fc.oneof(
        fc.constantFrom('app.service', 'init.scope'),
        fc.integer(),
        fc.jsonValue({ maxDepth: 1 }),
      ),
      _SYSTEMD_UNIT: fc.constantFrom('app.service', 'nginx.service', ''),
      SYSLOG_IDENTIFIER: fc.oneof(fc.constantFrom('gunicorn', 'systemd', 'kernel'), junk),
    },
    { requiredKeys: [] },
  )
  .map((r) => JSON.stringify(r));

const jsonish = fc.oneof(
  { weight: 4, arbitrary: journalJson },
  { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) },
  // A record cut short, as a line cut at 64 KiB ends.
  { weight: 1, arbitrary: fc.tuple(journalJson, fc.nat()).map(([j, n]) => j.slice(0, n % (j.length + 1))) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3000 }).map((n) => `{"MESSAGE":${'['.repeat(n)}`) },
);

/** One line of a log: an envelope, a logger's prefix and a message, each optional and maybe mutated. */
const logLine = fc.oneof(
  { weight: 6, arbitrary: mutated(fc.constantFrom(...REAL_LOG_LINES)) },
  {
    weight: 8,
    arbitrary: fc
      .tuple(
        fc.option(fragment(fc.constantFrom(...LOG_ENVELOPES)), { nil: '' }),
        fc.option(fragment(fc.constantFrom(...LOG_ENVELOPES)), { nil: '', freq: 8 }),
        fc.option(fragment(fc.constantFrom(...LOGGER_PREFIXES)), { nil: '' }),
        fragment(fc.constantFrom(...LOG_BODIES, ...REAL_LOG_LINES.slice(0, 2000))),
        fc.option(fragment(fc.constantFrom(...LOG_BODIES)), { nil: '', freq: 4 }),
      )
      .map((parts) => parts.join('')),
  },
  { weight: 2, arbitrary: jsonish },
  { weight: 1, arbitrary: junk },
  { weight: 1, arbitrary: run },
);

const oneLogLine = withHuge(logLine, 100);

/**
 * The most lines of one generated log. The work per line is linear; what the budget is for is the line, or
 * the few lines, that take far longer than their size says. More lines would only make the run longer.
 */
const MAX_LOG_LINES = 500;

/** A log: lines of one envelope or mixed, tracebacks among them, sometimes a real log edited. */
const logText = withHuge(
  fc.oneof(
    { weight: 3, arbitrary: lines(logLine, 40) },
    { weight: 1, arbitrary: realFile(LOG_FILES, logLine) },
  ),
  200,
).map((text) => text.split('\n').slice(0, MAX_LOG_LINES).join('\n'));

const PARSE_YEAR: Envelope = { year: 2026 };

fuzz('logs: parseLine', oneLogLine, (text) => {
  timed('parseLine', text, () => parseLine(text, 1, { ...PARSE_YEAR }));
});

fuzz('logs: prefixOf, messageOf', oneLogLine, (text) => {
  timed('prefixOf', text, () => prefixOf(text));
  timed('messageOf', text, () => messageOf(text));
});

const logEvent: fc.Arbitrary<LogEvent> = fc.record({
  time: fc.constantFrom(null, '2026-11-21T19:46:32.000Z'),
  source: fc.constantFrom('journal', 'plain', 'docker', 'nginx-error', 'nginx-access', 'kernel'),
  unit: fc.constantFrom(null, 'app', 'worker'),
  pid: fc.constantFrom(null, 84, 85),
  level: fc.constantFrom('debug', 'info', 'notice', 'warning', 'error', 'critical'),
  text: oneLogLine,
  line: fc.nat(),
});

fuzz('logs: errorInLine', logEvent, (event) => {
  timed('errorInLine', event, () => errorInLine(event));
});

/** Events as the collector gives them: parsed lines, or events of a few processes interleaved. */
const eventSequence = fc.oneof(
  logText.map((text) => {
    const env: Envelope = { ...PARSE_YEAR };
    return text
      .split('\n')
      .map((raw, i) => parseLine(raw, i + 1, env))
      .filter((e): e is LogEvent => e !== null);
  }),
  fc.array(
    fc.record({
      time: fc.constantFrom(null, '2026-11-21T19:46:32.000Z'),
      source: fc.constantFrom('journal', 'plain', 'docker'),
      unit: fc.constantFrom(null, 'app', 'worker'),
      pid: fc.constantFrom(null, 84, 85),
      level: fc.constantFrom('info' as const, 'error' as const),
      text: logLine,
      line: fc.nat(),
    }),
    { maxLength: 60 },
  ),
);

fuzz('logs: TracebackStitcher', eventSequence, (events) => {
  timed('TracebackStitcher.push/finish', events, () => {
    const stitcher = new TracebackStitcher();
    for (const event of events) {
      stitcher.push(event);
      void stitcher.reading;
    }
    return stitcher.finish();
  });
});

const NOW = new Date('2026-11-22T00:00:00Z');

fuzz('diagnose: diagnoseText', logText, (text) => {
  timed('diagnoseText', text, () =>
    diagnoseText(text, 'fuzz', NOW, { kernelLogRead: text.length % 2 === 0 }),
  );
});

// ---------------------------------------------------------------------------------------------------------
// nginx

const NGINX_NAMES = [
  'server',
  'listen',
  'server_name',
  'location',
  'proxy_pass',
  'uwsgi_pass',
  'upstream',
  'include',
  'root',
  'alias',
  'try_files',
  'if',
  'limit_except',
  'http',
  'events',
  'stream',
  'ssl',
  'ssl_certificate',
  'ssl_certificate_key',
  'http2',
  'return',
  'rewrite',
  'proxy_set_header',
  'map',
  'types',
  'worker_processes',
];

const NGINX_WORDS = [
  '80',
  '443',
  '[::]:80',
  '[::1]:8000',
  '*:80',
  '127.0.0.1:8000',
  'localhost:99999',
  'unix:/run/app/gunicorn.sock',
  'ssl',
  'http2',
  'default_server',
  'default',
  'down',
  'on',
  'off',
  'example.com',
  '_',
  '~^(www\\.)?(?<name>.+)$',
  '/',
  '=',
  '~',
  '~*',
  '^~',
  '=/50x.html',
  '@fallback',
  '/static/',
  '~* \\.(js|css|png)$',
  'http://127.0.0.1:8000',
  'http://127.0.0.1:8000$request_uri',
  'http://unix:/run/app.sock:/',
  'http://unix:/run/$app.sock',
  'https://app',
  'http://app',
  'http://[::1]:8000/api/',
  'http://$host$request_uri',
  'grpc://app',
  'app',
  '/etc/nginx/conf.d/*.conf',
  'conf.d/*.conf',
  'sites-enabled/*',
  '/etc/nginx/sites-enabled/[a-z]*',
  'mime.types',
  '/var/www/html',
  '$uri',
  '$uri/',
  '=404',
  '($request_method',
  'POST)',
  '($http_x_forwarded_proto != "https")',
  '${LISTEN_PORT}',
  '$',
  '\\"',
  "\\'",
  '\\\\',
  '\\n',
  '"quoted word"',
  "'single \\' quoted'",
  '"a;b{c}"',
  'X-Forwarded-For',
  '$proxy_add_x_forwarded_for',
  '301',
  'https://$host$request_uri',
];

const nginxWord = fragment(fc.constantFrom(...NGINX_WORDS, ...NGINX_NAMES));
const nginxName = fragment(fc.constantFrom(...NGINX_NAMES));

const nginxConfig = fc.letrec((tie) => ({
  simple: fc
    .tuple(nginxName, fc.array(nginxWord, { maxLength: 5 }), fc.constantFrom(';', ';', ';', '', ' ;', '\n;'))
    .map(([name, args, end]) => `${name} ${args.join(' ')}${end}`),
  block: fc
    .tuple(
      nginxName,
      fc.array(nginxWord, { maxLength: 3 }),
      fc.array(tie('directive') as fc.Arbitrary<string>, { maxLength: 6 }),
      fc.constantFrom('}', '}', '}', '', '}}', '};'),
    )
    .map(([name, args, body, close]) => `${name} ${args.join(' ')} {\n${body.join('\n')}\n${close}`),
  directive: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 6, arbitrary: tie('simple') as fc.Arbitrary<string> },
    { weight: 3, arbitrary: tie('block') as fc.Arbitrary<string> },
    { weight: 1, arbitrary: fragment(fc.constantFrom('# a comment', '#', '{', '}', ';', '"', "'", '\\')) },
  ),
})).directive;

const NGINX_FILES = orDefault(
  filesUnder('test/fixtures/nginx/', () => true),
  'server { listen 80; location / { proxy_pass http://127.0.0.1:8000; } }',
);

/** Blocks nested deeper than any real configuration: `server { location / { if ($a) { … } } }`. */
const deepNginx = fc
  .tuple(
    fc.constantFrom('server {', 'location / {', 'if ($a) {', 'http {', 'a {', 'location ~ x { location /y {'),
    fc.oneof(
      { weight: 9, arbitrary: fc.integer({ min: 1, max: 200 }) },
      { weight: 1, arbitrary: fc.integer({ min: 201, max: 20000 }) },
    ),
    fc.constantFrom('proxy_pass http://127.0.0.1:8000;', 'include a.conf;', '', 'listen 80;'),
    fc.boolean(),
  )
  .map(([open, wanted, inner, closed]) => {
    // (no longer than the longest input of the other generators: the budget is for a text of that size)
    const depth = Math.min(wanted, Math.floor(LONG / (open.length + 2)));
    return (
      `${open}\n`.repeat(depth) + inner + (closed ? '}'.repeat(depth * (open.split('{').length - 1)) : '')
    );
  });

const nginxText = withHuge(
  fc.oneof(
    { weight: 6, arbitrary: fc.array(nginxConfig, { maxLength: 8 }).map((ds) => ds.join('\n')) },
    { weight: 3, arbitrary: realFile(NGINX_FILES, nginxConfig) },
    { weight: 1, arbitrary: deepNginx },
    { weight: 1, arbitrary: lines(fragment(fc.constantFrom(...NGINX_WORDS)), 20) },
  ),
);

const BINDS: UpstreamTarget[] = [
  { kind: 'tcp', host: '127.0.0.1', port: 8000 },
  { kind: 'tcp', host: '0.0.0.0', port: 80 },
  { kind: 'tcp', host: '::', port: 8000 },
  { kind: 'unix', path: '/run/app.sock' },
];

/** Everything medic does with parsed directives: sites, upstreams, a walk over every directive. */
function useDirectives(directives: Directive[]): number {
  let n = 0;
  for (const { directive } of walk(directives)) n += directive.args.length;
  const sites = sitesOf(directives);
  upstreamsOf(directives);
  for (const site of sites) n += upstreamOf(site).length;
  for (const bind of BINDS) n += siteForBind(sites, bind).length;
  return n;
}

fuzz('nginx: parseNginxText + sites', nginxText, (text) => {
  timed('parseNginxText + sitesOf', text, () => {
    const parsed = parseNginxText(text, '/etc/nginx/nginx.conf');
    return Array.isArray(parsed) ? useDirectives(parsed) : parsed;
  });
});

const NGINX_PATHS = [
  '/etc/nginx/nginx.conf',
  '/etc/nginx/conf.d/app.conf',
  '/etc/nginx/conf.d/default.conf',
  '/etc/nginx/sites-enabled/app',
  '/etc/nginx/mime.types',
  '/etc/nginx/.hidden.conf',
];

const includeLine = fc
  .tuple(
    fragment(
      fc.constantFrom(
        ...NGINX_PATHS,
        'conf.d/*.conf',
        '/etc/nginx/sites-enabled/*',
        '/etc/nginx/*/*',
        '*',
        '[',
        'nginx.conf',
      ),
    ),
    fc.constantFrom('', 'http {', 'server {'),
  )
  .map(([path, around]) => (around ? `${around} include ${path}; }` : `include ${path};`));

/** A main file and the files it includes, as `nginx -T` would dump them. */
const nginxTree = fc.array(
  fc.tuple(
    fc.constantFrom(...NGINX_PATHS),
    fc.array(fc.oneof({ weight: 2, arbitrary: includeLine }, { weight: 3, arbitrary: nginxConfig }), {
      maxLength: 5,
    }),
  ),
  { minLength: 1, maxLength: 4 },
);

fuzz('nginx: parseNginx, parseNginxDump', nginxTree, (tree) => {
  const files = new Map<string, string>();
  for (const [path, parts] of tree) if (!files.has(path)) files.set(path, parts.join('\n'));
  const paths = [...files.keys()];
  const main = paths[0] as string;
  timed('parseNginx', tree, () => {
    const result = parseNginx(
      main,
      (p) => files.get(p),
      (pattern) => paths.filter((p) => matchesGlob(pattern, p)),
    );
    return result.ok ? useDirectives(result.config.directives) : result.error;
  });
  const dump = paths.map((p) => `# configuration file ${p}:\n${files.get(p)}\n`).join('\n');
  timed('parseNginxDump', dump, () => {
    const result = parseNginxDump(dump);
    return result.ok ? useDirectives(result.config.directives) : result.error;
  });
});

const GLOB_UNITS = [
  '*',
  '?',
  '[',
  ']',
  '!',
  '^',
  '-',
  'a',
  'b',
  'z-a',
  '[!a]',
  '[a-z]',
  '\\',
  '.',
  '/',
  '*a',
  'a*',
  '**',
  '{',
  '$',
];
const globText = fc.oneof(
  fc.array(fc.constantFrom(...GLOB_UNITS), { maxLength: 30 }).map((parts) => parts.join('')),
  run,
  junk,
);

fuzz('nginx: matchesGlob', fc.tuple(globText, globText), ([pattern, path]) => {
  timed('matchesGlob', [pattern, path], () => matchesGlob(pattern, path));
  timed('matchesGlob', [`/etc/nginx/${pattern}`, `/etc/nginx/${path}`], () =>
    matchesGlob(`/etc/nginx/${pattern}`, `/etc/nginx/${path}`),
  );
});

fuzz('nginx: resolvePass', withHuge(nginxWord), (value) => {
  const upstreams = new Map<string, UpstreamTarget[]>([['app', [BINDS[0] as UpstreamTarget]]]);
  timed('resolvePass', value, () => resolvePass(value, upstreams));
  timed('resolvePass uwsgi', value, () => resolvePass(value, upstreams, 'uwsgi_pass'));
});

// ---------------------------------------------------------------------------------------------------------
// systemd

const UNIT_SECTIONS = [
  '[Unit]',
  '[Service]',
  '[Install]',
  '[Socket]',
  '[',
  ']',
  '[]',
  '[[Service]]',
  '[Service',
  ' [Service] ',
];
const UNIT_KEYS = [
  'ExecStart',
  'ExecStartPre',
  'ExecStartPost',
  'ExecReload',
  'Environment',
  'EnvironmentFile',
  'WorkingDirectory',
  'User',
  'Group',
  'Restart',
  'Type',
  'Description',
  'After',
  'WantedBy',
  ' ExecStart ',
  '',
];
const VARIABLE_NAMES = [
  'PORT',
  'HOME',
  'APP',
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'A',
];
const UNIT_VALUES = [
  '/srv/app/venv/bin/gunicorn --workers 3 --bind unix:/run/app.sock app.wsgi:application',
  "-/usr/bin/env PORT=8000 sh -c 'cd /srv/app && exec gunicorn -b 0.0.0.0:$PORT app:app'",
  '@/usr/bin/python3 python -m uvicorn main:app --host 0.0.0.0 --port ${PORT}',
  '"/opt/my app/bin/daphne" -b 0.0.0.0 -p 8001 project.asgi:application',
  '/bin/bash -c "source /srv/venv/bin/activate && gunicorn -c gunicorn.conf.py app:app"',
  '+!!:|/usr/bin/x %n %i %I %p %f %h %u %% %Z',
  '/usr/bin/x $PORT $constructor $toString $__proto__ ${HOME} $$ ${hasOwnProperty}x',
  '/usr/bin/printf \\x41 \\u00e9 \\U0001F600 \\U00110000 \\UFFFFFFFF \\101 \\777 \\q \\" \\\\ \\s',
  '"A=1 2" B=\'x\' C=\\"q D=${X} E=$HOME constructor=1 __proto__=2',
  '-/srv/app/.env',
  '/srv/app/.env',
  'network-online.target postgresql.service',
  'always',
  'notify',
  '/srv/app',
  '"unterminated',
  "it's",
];

/** Variables, Object's own names among them, as Exec*= and Environment= write them. */
const variableWords = fc
  .tuple(fc.constantFrom(...VARIABLE_NAMES), fc.constantFrom('$', '${', '', '%'))
  .map(([name, how]) => (how === '${' ? `\${${name}}` : how === '' ? `${name}=1` : `${how}${name}`));

const unitLine = fc.oneof(
  { weight: 2, arbitrary: fragment(fc.constantFrom(...UNIT_SECTIONS)) },
  {
    weight: 8,
    arbitrary: fc
      .tuple(
        fragment(fc.constantFrom(...UNIT_KEYS)),
        fc.constantFrom('=', '=', '=', ' = ', '', '=='),
        fc.array(fragment(fc.oneof(fc.constantFrom(...UNIT_VALUES), variableWords)), {
          minLength: 1,
          maxLength: 3,
        }),
        // continuation lines, with a comment between them now and then
        fc.constantFrom(' \\\n', ' ', '\\\n# comment\n', '\\\n; other\n', '\\\r\n', '\\'),
      )
      .map(([key, eq, values, join]) => `${key}${eq}${values.join(join)}`),
  },
  { weight: 1, arbitrary: fragment(fc.constantFrom('# comment', '; comment', '  # indented', '\\', '')) },
);

const UNIT_FILES = orDefault(
  filesUnder('test/fixtures/systemd/', (n) => !n.includes('systemctl-show') && !n.endsWith('.env')),
  '[Service]\nExecStart=/srv/app/venv/bin/gunicorn app:app\n',
);

const unitText = withHuge(
  fc.oneof(
    { weight: 3, arbitrary: lines(unitLine, 25) },
    { weight: 1, arbitrary: realFile(UNIT_FILES, unitLine) },
  ),
);

/** `systemctl cat`: files under "# /path" headers, apart by empty lines, maybe a prompt line first. */
const catText = fc
  .tuple(
    fc.option(fc.constantFrom('$ systemctl cat app', 'root@web1:~# systemctl cat app.service'), { nil: '' }),
    fc.array(
      fc.tuple(
        fragment(
          fc.constantFrom(
            '# /etc/systemd/system/app.service',
            '# /etc/systemd/system/app.service.d/override.conf',
            '# /lib/systemd/system/app@.service',
            '# /run/systemd/system/app.service.d/50-x.conf',
          ),
        ),
        unitText,
      ),
      { maxLength: 3 },
    ),
  )
  .map(([prompt, files]) => [prompt, ...files.map(([header, text]) => `${header}\n${text}\n`)].join('\n'));

const unitName = fragment(
  fc.constantFrom(
    'app.service',
    'app@blue.service',
    'a-b\\x2dc@in-st\\x2f.service',
    'app',
    '@.service',
    '.',
    '-',
    'x@',
  ),
  // systemd refuses a unit name longer than 255 characters (UNIT_NAME_MAX)
).map((name) => name.slice(0, 255));

/** Everything medic reads of a unit: each command line split and expanded, specifiers, environment. */
function useUnit(unit: SystemdUnit, name: string): number {
  const env = Object.fromEntries(unitEnvironment(unit).map((v) => [v.name, v.value])) as Record<
    string,
    string
  >;
  unitEnvironmentFiles(unit);
  let n = 0;
  for (const keys of unit.sections.values()) {
    for (const assignments of keys.values()) {
      for (const { value } of assignments) {
        n += splitSystemdWords(value)?.length ?? 0;
        const command = splitCommandLine(value);
        if (command) n += expandCommandLine(command, env).argv.length;
        n += resolveSpecifiers(value, { unit: name, home: '/root', user: 'root' }).length;
        n += resolveSpecifiers(value, { unit: name }).length;
      }
    }
  }
  return n;
}

fuzz('systemd: parseUnitFile + Exec*=', fc.tuple(unitText, unitName), ([text, name]) => {
  timed('parseUnitFile + commands', [text, name], () =>
    useUnit(parseUnitFile(text, '/etc/systemd/system/app.service'), name),
  );
});

fuzz('systemd: systemctl cat', withHuge(catText), (text) => {
  timed('filesOfSystemctlCat', text, () => filesOfSystemctlCat(text));
  timed('parseSystemctlCat + commands', text, () => useUnit(parseSystemctlCat(text), 'app.service'));
});

const EXEC_GROUP =
  '{ path=/srv/app/venv/bin/gunicorn ; argv[]=/srv/app/venv/bin/gunicorn -b 127.0.0.1:8000 "app:create_app()" ; ignore_errors=no ; start_time=[Sat 2026-11-21 19:46:32 UTC] ; stop_time=[n/a] ; pid=84 ; code=(null) ; status=0/0 }';
const SHOW_LINES = [
  `ExecStart=${EXEC_GROUP}`,
  `ExecStartPre=${EXEC_GROUP} ; ${EXEC_GROUP}`,
  'ExecStartEx={ path=/usr/bin/x ; argv[]=/usr/bin/x a ; flags=ignore-failure no-env-expand ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }',
  'ExecStart={ path= ; argv[]= ; }',
  'EnvironmentFiles=/srv/app/.env (ignore_errors=no)',
  'EnvironmentFiles=-/srv/app/.env (ignore_errors=yes) /etc/default/app (ignore_errors=no)',
  'Environment=A=1 "B=2 3" C=\\x41 D=\'x y\' constructor=1',
  'ActiveEnterTimestamp=Sat 2026-11-21 19:46:32 UTC',
  'ExecMainStartTimestamp=Sat 2026-11-21 19:46:32.123456 +0530',
  'InactiveExitTimestamp=2026-11-21 19:46:32 CEST',
  'StateChangeTimestamp=[not set]',
  'ActiveExitTimestamp=n/a',
  'MemoryMax=infinity',
  'MemoryCurrent=18446744073709551615',
  'MemoryPeak=123456789',
  'TimeoutStartUSec=1min 30s',
  'RestartUSec=100ms',
  'TimeoutStopUSec=infinity',
  'NRestarts=5',
  'MainPID=84',
  'ExecMainStatus=-1',
  'CanStart=yes',
  'Restart=on-failure',
  'User=www-data',
  'WorkingDirectory=!-/srv/app',
  'Id=app.service',
  'ActiveState=failed',
  '',
];

const showText = withHuge(
  fc.oneof(
    { weight: 4, arbitrary: lines(fragment(fc.constantFrom(...SHOW_LINES)), 30) },
    {
      weight: 1,
      arbitrary: realFile(
        orDefault(
          filesUnder('test/fixtures/systemd/', (n) => n.includes('systemctl-show')),
          'Id=x',
        ),
        fragment(fc.constantFrom(...SHOW_LINES)),
      ),
    },
  ),
);

const SHOW_KEYS = [
  'ExecStart',
  'ExecStartPre',
  'ExecStartEx',
  'ActiveEnterTimestamp',
  'MemoryMax',
  'TimeoutStartUSec',
  'MainPID',
  'CanStart',
];

fuzz('systemd: systemctl show', showText, (text) => {
  timed('parseShowUnits + readers', text, () => {
    let n = 0;
    for (const props of parseShowUnits(text)) {
      for (const key of new Set([...props.keys(), ...SHOW_KEYS])) {
        n += showExecCommands(props, key).length;
        n += (showValue(props, key) ?? '').length;
        showTimestamp(props, key);
        showBytes(props, key);
        showNumber(props, key);
        showBoolean(props, key);
        showSeconds(props, key);
      }
      n += showEnvironmentFiles(props).length + showEnvironment(props).length;
      n += showEnvironment(props, 'UnsetEnvironment').length;
    }
    return n + parseShow(text).size;
  });
});

fuzz(
  'systemd: parseShowTimestamp',
  withHuge(
    fragment(
      fc.constantFrom(
        'Sat 2026-11-21 19:46:32 UTC',
        '2026-11-21 19:46:32.123456789 +05:30',
        '[Sat 2026-11-21 19:46:32 PDT]',
        'n/a',
        '[not set]',
      ),
    ),
  ),
  (value) => {
    timed('parseShowTimestamp', value, () => parseShowTimestamp(value));
  },
);

// ---------------------------------------------------------------------------------------------------------
// Environment files

const ENV_LINES = [
  'export A="quoted value',
  'export A="quoted value"',
  "B='single quoted'",
  'C=${VAR}',
  'D=$HOME/x',
  '  E = spaced ',
  'F.g=1',
  '# comment',
  '=x',
  'export',
  'export =',
  'SECRET_KEY=abc=def==',
  'DATABASE_URL=postgres://u:p@localhost:5432/db',
  'G="a\\"b"',
  '__proto__=x',
  'constructor=y',
  "H=''",
  'I="',
];

const envText = withHuge(
  fc.oneof(
    { weight: 4, arbitrary: lines(fragment(fc.constantFrom(...ENV_LINES)), 30) },
    {
      weight: 1,
      arbitrary: realFile(
        orDefault(
          filesUnder('test/fixtures/', (n) => n.endsWith('.env')),
          'A=1',
        ),
        fragment(fc.constantFrom(...ENV_LINES)),
      ),
    },
  ),
);

fuzz('env files: parseEnvFile', envText, (text) => {
  timed('parseEnvFile', text, () => parseEnvFile(text));
});

// ---------------------------------------------------------------------------------------------------------
// App servers: gunicorn config files (a Python expression evaluator) and command lines

const PY_ATOMS = [
  '8000',
  '0',
  '-1',
  '1_000',
  '3.5',
  '1e5',
  '0x10',
  '9'.repeat(400),
  '"0.0.0.0:8000"',
  "'unix:/run/app.sock'",
  '"""triple"""',
  "r'\\d'",
  'b"bytes"',
  'f"{host}:{port}"',
  'f\'{os.environ.get("PORT", 8000)}\'',
  'f"{{literal}}"',
  'f"{x!r}"',
  'f"{x:>5}"',
  'True',
  'False',
  'None',
  'host',
  'port',
  'workers',
  'bind',
  'undefined_name',
  'constructor',
  '__proto__',
  'toString',
  'os.environ["PORT"]',
  'os.environ["constructor"]',
  "os.environ.get('PORT', '8000')",
  'os.environ.get("__proto__")',
  'os.getenv("WEB_CONCURRENCY")',
  'os.getenv("toString", 2)',
  'multiprocessing.cpu_count()',
  'os.cpu_count()',
  'int("3")',
  'int("x")',
  'str(8000)',
  'float("inf")',
  'bool([])',
  'max(2, 4)',
  'min([])',
  'list((1, 2))',
  'tuple()',
  '"a".format(1)',
  '[1, 2][5]',
  '[1, 2][-1]',
  '()',
  '(1,)',
  '[]',
  '{}',
  '{"a": 1}',
  'lambda: 1',
  '[x for x in range(3)]',
];
const PY_OPS = [
  ' + ',
  ' - ',
  ' * ',
  ' / ',
  ' // ',
  ' % ',
  ' ** ',
  ' == ',
  ' != ',
  ' and ',
  ' or ',
  ' if x else ',
  ', ',
];

const pyExpression = fc.letrec((tie) => ({
  atom: mutated(fc.constantFrom(...PY_ATOMS)),
  expression: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: tie('atom') as fc.Arbitrary<string> },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          tie('expression') as fc.Arbitrary<string>,
          fc.constantFrom(...PY_OPS),
          tie('expression') as fc.Arbitrary<string>,
        )
        .map(([a, op, b]) => `${a}${op}${b}`),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.constantFrom('[', '(', 'str(', 'int(', 'max(', 'min(', 'list(', 'os.environ.get(', 'f(', 'not '),
          fc.array(tie('expression') as fc.Arbitrary<string>, { maxLength: 3 }),
          fc.constantFrom(', ', ',\n    ', ','),
          fc.boolean(),
        )
        .map(([open, items, sep, closed]) => {
          const close = open === 'not ' ? '' : open === '[' ? ']' : ')';
          return `${open}${items.join(sep)}${closed ? close : ''}`;
        }),
    },
    { weight: 1, arbitrary: fragment(fc.constantFrom('-', 'not ', '"', "'", '(', ')', '[', '\\', '#')) },
  ),
})).expression;

/** Nested deeper than Python allows: "((((…1…))))", "[[[[…", "-(-(-(…", "not not not …". */
const deepPython = fc
  .tuple(
    fc.constantFrom('(', '[', '-(', 'not ', 'str(', 'f"{', '-', '+'),
    fc.oneof(
      { weight: 9, arbitrary: fc.integer({ min: 1, max: 100 }) },
      { weight: 1, arbitrary: fc.integer({ min: 101, max: 20000 }) },
    ),
    fc.boolean(),
  )
  .map(([open, wanted, closed]) => {
    const depth = Math.min(wanted, Math.floor(LONG / (open.length + 2)));
    const close = open.endsWith('(') ? ')' : open === '[' ? ']' : open === 'f"{' ? '}"' : '';
    return `bind = ${open.repeat(depth)}1${closed ? close.repeat(depth) : ''}`;
  });

const PY_NAMES = [
  'bind',
  'workers',
  'timeout',
  'worker_class',
  'chdir',
  'wsgi_app',
  'host',
  'port',
  'x',
  'constructor',
  '__proto__',
];

const pyStatement = fc.oneof(
  {
    weight: 80,
    arbitrary: fc
      .tuple(
        fc.constantFrom('', '', '', '    ', '\t'),
        fragment(fc.constantFrom(...PY_NAMES)),
        fc.constantFrom(' = ', '=', ' += ', ' -= ', ' *= ', ' //= ', ': int = ', ': list[str] = ', ' == '),
        pyExpression,
        fc.constantFrom('', '', '  # comment', ' \\', ';'),
      )
      .map((parts) => parts.join('')),
  },
  {
    weight: 20,
    arbitrary: fragment(
      fc.constantFrom(
        'import multiprocessing',
        'import os',
        'if DEBUG:',
        'if os.environ.get("X"): bind = "a"',
        'else:',
        'try:',
        'except Exception:',
        'def post_fork(server, worker):',
        'class Config:',
        'async def f():',
        'with open("x") as f:',
        'for i in range(3):',
        '"""',
        "'''",
        'bind = ["0.0.0.0:" + str(8000)]',
        'workers = multiprocessing.cpu_count() * 2 + 1',
        'bind = f"{host}:{port}"',
        'timeout = int(os.environ.get("TIMEOUT", "30"))',
        'x = "x"',
        'x += x',
        'x = [1]',
        'x = x + x',
        'x = x * 2',
      ),
    ),
  },
  { weight: 1, arbitrary: deepPython },
);

/** A statement repeated: "x += x" thirty times doubles a value thirty times. */
const pyRepeated = fc
  .tuple(pyStatement, fc.integer({ min: 2, max: 64 }))
  .map(([statement, times]) => Array<string>(times).fill(statement).join('\n'));

const GUNICORN_FILES = orDefault(
  filesUnder('test/fixtures/gunicorn/', () => true),
  'bind = "127.0.0.1:8000"\n',
);

const pyConfig = withHuge(
  fc.oneof(
    {
      weight: 4,
      arbitrary: lines(
        fc.oneof({ weight: 6, arbitrary: pyStatement }, { weight: 1, arbitrary: pyRepeated }),
        20,
      ),
    },
    { weight: 2, arbitrary: realFile(GUNICORN_FILES, pyStatement) },
  ),
);

const pyEnv = fc.dictionary(
  fc.constantFrom(
    'PORT',
    'WEB_CONCURRENCY',
    'TIMEOUT',
    'X',
    'GUNICORN_CMD_ARGS',
    'UVICORN_HOST',
    'UVICORN_PORT',
    'UVICORN_APP',
    'UVICORN_FACTORY',
    'UVICORN_UDS',
    'UVICORN_FD',
  ),
  fragment(
    fc.constantFrom(
      '8000',
      '3',
      '0.0.0.0',
      'true',
      '-b 0.0.0.0:9000 --workers 4 -c gunicorn.conf.py',
      '--bind="unix:/run/a b.sock"',
      "'",
      'main:app',
    ),
  ),
  { maxKeys: 4 },
);

fuzz(
  'app: gunicorn config (analyseConfig)',
  fc.tuple(pyConfig, pyEnv, fc.option(fc.integer({ min: 0, max: 512 }), { nil: undefined })),
  ([text, env, cpus]) => {
    const analysis = timed('analyseConfig', [text, env, cpus], () =>
      analyseConfig(text, env, cpus === undefined ? {} : { cpus }),
    );
    // What it gives are Python values, never a JavaScript object or function from somewhere else.
    for (const [name, value] of analysis.values) {
      if (!isPyValue(value)) {
        throw new Error(`analyseConfig gave ${name} = ${String(value)} on ${show([text, env, cpus])}`);
      }
    }
  },
);

/** Whether a value is made of Python values only (iteratively: "x = [x]" a thousand times nests that deep). */
function isPyValue(value: unknown): boolean {
  const seen = new Set<unknown>();
  const stack = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      if (!seen.has(v)) for (const item of v as unknown[]) stack.push(item);
      seen.add(v);
    } else if (v !== null && !['string', 'number', 'boolean'].includes(typeof v)) return false;
  }
  return true;
}

const BIND_TEXTS = [
  'unix:/run/app.sock',
  'unix:///run/app.sock',
  '0.0.0.0:8000',
  '[::1]:8001',
  '[::]',
  'localhost',
  ':8000',
  '8000',
  '0:8000',
  'fd://3',
  'tcp://127.0.0.1:8000',
  'http://[fe80::1%eth0]:80',
  '::1',
  'host:99999',
  'a:b:c',
];

fuzz('app: parseBind', withHuge(fragment(fc.constantFrom(...BIND_TEXTS))), (text) => {
  timed('parseBind', text, () => parseBind(text));
  timed('parseBind ::1', text, () => parseBind(text, '::1', 80));
});

const ARGV_WORDS = [
  '/srv/app/venv/bin/gunicorn',
  'gunicorn',
  'gunicorn3',
  'uvicorn',
  'daphne',
  'hypercorn',
  'waitress-serve',
  'manage.py',
  '/srv/app/manage.py',
  'django-admin',
  'runserver',
  'env',
  '/usr/bin/env',
  '-u',
  '-C',
  '--chdir=/srv',
  'PORT=9000',
  'sh',
  'bash',
  '-c',
  '-ec',
  'python3',
  '/srv/app/venv/bin/python3.12',
  '-m',
  '-mgunicorn',
  '-W',
  'ignore',
  'poetry',
  'uv',
  'run',
  '--',
  '-b',
  '--bind',
  '--bind=0.0.0.0:8000',
  '0.0.0.0:8000',
  'unix:/run/app.sock',
  'fd://3',
  '-w',
  '--workers',
  '4',
  '-t',
  '--timeout',
  '-k',
  'uvicorn.workers.UvicornWorker',
  '-c',
  '--config',
  'gunicorn.conf.py',
  'file:conf/gunicorn.py',
  'python:app.gunicorn_conf',
  '--host',
  '--port',
  '--uds',
  '--fd',
  '--factory',
  '--app-dir',
  '-e',
  '--endpoint',
  'tcp:port=8000:interface=127.0.0.1',
  'unix:/run/d.sock',
  'ssl:443:privateKey=key.pem',
  'tcp6:port=',
  '-u',
  '--unix-socket',
  '--listen',
  '*:8080',
  '--call',
  '-6',
  '0:8000',
  'app.wsgi:application',
  'main:app',
  'app:create_app()',
  '$PORT',
  '${CONFIG}',
];

const SHELL_SCRIPTS = [
  'cd /srv/app && source venv/bin/activate && exec gunicorn -b 0.0.0.0:$PORT app:app',
  '. /srv/app/venv/bin/activate; export PORT=9000 A; uvicorn main:app --port 9000',
  'exec gunicorn --bind \'unix:/run/a b.sock\' "app:create_app()" || true',
  'python manage.py migrate && python manage.py runserver 0.0.0.0:8000',
  'sh -c "sh -c \\"gunicorn app:app\\""',
  "echo 'unterminated",
  'gunicorn "app:app',
  'a | b & c ;; d',
  'cd .. && cd .. && env -C .. gunicorn app:app',
];

const argvWord = fragment(fc.constantFrom(...ARGV_WORDS));

/** An argv: words of app-server commands, a shell script after -c, or wrappers stacked very deep. */
const argv = fc.oneof(
  { weight: 6, arbitrary: fc.array(argvWord, { maxLength: 14 }) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom('/bin/sh', 'bash', 'sh'),
        fc.constantFrom('-c', '-ec', '-lc'),
        fragment(fc.constantFrom(...SHELL_SCRIPTS)),
      )
      .map((words) => [...words]),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom<string[]>(
          ['env'],
          ['env', 'A=1'],
          ['poetry', 'run'],
          ['python', '-m', 'python'],
          ['env', '-C', '..'],
        ),
        fc.oneof(
          { weight: 9, arbitrary: fc.integer({ min: 1, max: 100 }) },
          { weight: 1, arbitrary: fc.integer({ min: 101, max: 20000 }) },
        ),
        fc.array(argvWord, { maxLength: 4 }),
      )
      .map(([wrapper, depth, tail]) => [...Array<string[]>(depth).fill(wrapper).flat(), 'gunicorn', ...tail]),
  },
  {
    weight: 1,
    arbitrary: unitText.map((text) => {
      const exec = /ExecStart=(.*)/.exec(text)?.[1] ?? text;
      return splitCommandLine(exec)?.argv ?? [];
    }),
  },
  { weight: 1, arbitrary: fc.array(fc.oneof(junk, run), { maxLength: 8 }) },
);

const serverContext = fc.record(
  {
    config: fc.option(pyConfig, { nil: undefined, freq: 4 }),
    cwd: fc.constantFrom('/srv/app', 'relative', '/', ''),
    env: pyEnv,
    cpus: fc.integer({ min: 0, max: 64 }),
  },
  { requiredKeys: ['env'] },
);

fuzz('app: appServerOf', fc.tuple(argv, serverContext), ([words, ctx]) => {
  timed('appServerOf', [words, ctx], () =>
    appServerOf(words, {
      read: () => ctx.config,
      ...(ctx.cwd === undefined ? {} : { cwd: ctx.cwd }),
      env: ctx.env,
      ...(ctx.cpus === undefined ? {} : { cpus: ctx.cpus }),
    }),
  );
});

// ---------------------------------------------------------------------------------------------------------

start();
