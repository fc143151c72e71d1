// Recognises the Python app server from the command line that starts it (an ExecStart= argv, a
// container command): which server, where it listens, the app module, workers, timeout and the
// virtualenv. Wrappers are looked through: env, sh -c, python -m, poetry/pipenv/uv run.
import { posix } from 'node:path';
import { type Bind, parseBind } from './bind.ts';

export type AppServerName = 'gunicorn' | 'uvicorn' | 'daphne' | 'hypercorn' | 'waitress' | 'django-runserver';

export interface PythonEnv {
  /** The directory of the server's executable or of the interpreter (a virtualenv's bin/). */
  binDir: string;
  /** The virtualenv (or conda env) root, when binDir is its bin/ rather than a system directory. */
  venv?: string;
  /** The interpreter, when the command runs python itself (`python -m gunicorn`, `python manage.py`). */
  interpreter?: string;
}

export interface AppServer {
  server: AppServerName;
  /** Where it listens. Empty when it only takes sockets handed over by the supervisor (see `fds`). */
  binds: Bind[];
  /** File descriptors it listens on, handed over by systemd or a supervisor. */
  fds?: number[];
  /** "pkg.mod:app", "pkg:create_app()", "mysite.wsgi" … as given. */
  module?: string;
  /** uvicorn --factory, waitress --call: the module names a function that builds the app. */
  factory?: boolean;
  workers?: number;
  /** Seconds a worker may be silent before it is killed (gunicorn -t, daphne --http-timeout). */
  timeout?: number;
  workerClass?: string;
  configFile?: string;
  /** false when the config file could not be read: binds, workers and timeout may be set there. */
  configRead?: boolean;
  /**
   * Fields the config file sets in a way medic cannot work out (a call it does not know, an assignment
   * under `if`): their values are unknown, and no default stands in for them ("binds" is then empty).
   */
  unresolved?: ('binds' | 'workers' | 'timeout' | 'workerClass' | 'chdir' | 'module')[];
  /** The directory the server changes to before importing the app (gunicorn --chdir). */
  chdir?: string;
  /** A directory put first on sys.path (uvicorn --app-dir). */
  appDir?: string;
  python?: PythonEnv;
  /** The server's own command, after the wrappers around it were taken off. */
  argv: string[];
}

export interface ServerContext {
  /** Reads a config file (gunicorn.conf.py, hypercorn TOML); absent or undefined means unreadable. */
  read?: (path: string) => string | undefined;
  /** The directory the command starts in (systemd WorkingDirectory=). */
  cwd?: string;
  /** The environment the command starts with (Environment=, EnvironmentFile=). */
  env?: Record<string, string>;
  /** The host's CPU count, for config files that compute workers from `multiprocessing.cpu_count()`. */
  cpus?: number;
}

interface Context {
  read: (path: string) => string | undefined;
  cwd: string | undefined;
  env: Record<string, string>;
  /** The bin/ of a virtualenv a shell wrapper activated with `source …/bin/activate`. */
  activated: string | undefined;
  cpus: number | undefined;
}

/** A Python (or TOML) literal value of a config file. */
export type PyValue = string | number | boolean | null | PyValue[];

export interface ConfigOptions {
  /** The number of CPUs, for `multiprocessing.cpu_count()` and `os.cpu_count()`; unknown when absent. */
  cpus?: number;
}

export interface ConfigAnalysis {
  /** Settings whose values medic worked out. */
  values: Map<string, PyValue>;
  /**
   * Settings the file sets in a way medic cannot work out: a call it does not know, a name it does not
   * know, an assignment inside `if`/`try`. Their values are unknown, not the servers' defaults.
   */
  unresolved: Set<string>;
}

const ASSIGNMENT = /^([A-Za-z_]\w*)\s*(?::[^=]*)?(\+|-|\*|\/\/)?=(?!=)(.*)$/;
const COMPOUND = /^(if|elif|else|try|except|finally|with|for|while|match|case)\b.*:\s*(?:#.*)?$/;
// "if DEBUG: bind = …" on one line. (An annotation stops at the next ":": read to the end of the line from
// every ":" of "if a:a:a:…", it made the pattern quadratic.)
const ONE_LINE_COMPOUND =
  /^(?:if|elif|else|try|except|finally|with|for|while)\b.*?:\s*([A-Za-z_]\w*)\s*(?::[^=:]*)?(?:\+|-|\*|\/\/)?=(?!=)/;
const DEFINITION = /^(?:async\s+)?(def|class)\b/;

function indentOf(line: string): number {
  return /^[ \t]*/.exec(line)?.[0].length ?? 0;
}

/**
 * The module-level assignments of a Python (or TOML) config file, evaluated as far as medic can: literals,
 * lists and tuples, arithmetic, f-strings, os.environ / os.getenv look-ups, int() / str() / max() / min(),
 * names assigned earlier, and the CPU count when it is given. Annotated (`workers: int = 3`) and augmented
 * (`workers += 1`) assignments count; function and class bodies do not.
 */
export function analyseConfig(
  text: string,
  env: Record<string, string> = {},
  options: ConfigOptions = {},
): ConfigAnalysis {
  const values = new Map<string, PyValue>();
  const unresolved = new Set<string>();
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  // The indentation of the `def`/`class` whose body is being skipped, and of the innermost `if`/`try`/… block.
  let skipBelow: number | null = null;
  const blocks: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    const indent = indentOf(line);
    // A statement goes on while brackets or a triple-quoted string are open, or a line ends with a backslash.
    const joined = joinStatement(lines, i, line.slice(indent));
    const statement = joined.text;
    i = joined.last;
    if (skipBelow !== null) {
      if (indent > skipBelow) continue;
      skipBelow = null;
    }
    while (blocks.length > 0 && indent <= (blocks[blocks.length - 1] as number)) blocks.pop();
    if (DEFINITION.test(statement)) {
      skipBelow = indent;
      continue;
    }
    if (COMPOUND.test(statement)) {
      blocks.push(indent);
      continue;
    }
    const oneLine = ONE_LINE_COMPOUND.exec(statement);
    if (oneLine) {
      values.delete(oneLine[1] as string);
      unresolved.add(oneLine[1] as string);
      continue;
    }
    const first = statement.split('\n')[0] as string;
    const m = ASSIGNMENT.exec(first);
    if (!m) continue;
    const name = m[1] as string;
    const expression = (m[3] as string) + statement.slice(first.length);
    // An assignment that only runs under a condition leaves the setting unknown.
    if (blocks.length > 0) {
      values.delete(name);
      unresolved.add(name);
      continue;
    }
    const operator = m[2];
    let value = evaluate(expression, env, options, values);
    if (operator !== undefined && value !== undefined) {
      const before = values.get(name);
      value = before === undefined ? undefined : combine(before, operator, value);
    }
    if (value === undefined) {
      values.delete(name);
      unresolved.add(name);
    } else {
      values.set(name, value);
      unresolved.delete(name);
    }
  }
  return { values, unresolved };
}

/** The module-level assignments of a config file that medic can evaluate; see `analyseConfig`. */
export function configAssignments(
  text: string,
  env: Record<string, string> = {},
  options: ConfigOptions = {},
): Map<string, PyValue> {
  return analyseConfig(text, env, options).values;
}

type PyToken =
  | { kind: 'str'; value: string }
  | { kind: 'fstr'; value: string }
  | { kind: 'num'; value: number }
  | { kind: 'name' | 'op'; value: string };

const OPERATORS = ['**', '//', '==', '!=', '<=', '>='];
// The tokens' patterns, sticky: each is tried at a position of the text, as `pyTokens` and `StatementScan` read.
const SPACE = /\s+/y;
const STRING_START = /([rRbBuUfF]{0,2})("""|'''|"|')/y;
const NUMBER = /\d[\d_]*(?:\.\d+)?/y;
const NAME = /[A-Za-z_][\w.]*/y;
const SPACE_START = /\s/;

/**
 * What a token that starts with the character `code` can be: each pattern is tried only where it can match,
 * since the tokenizers look at every character of a file.
 */
function startsSpace(text: string, i: number, code: number): boolean {
  return code < 128 ? code === 32 || (code >= 9 && code <= 13) : SPACE_START.test(text[i] as string);
}
function startsString(code: number): boolean {
  // " ' r R b B u U f F
  return [34, 39, 114, 82, 98, 66, 117, 85, 102, 70].includes(code);
}
function startsNumber(code: number): boolean {
  return code >= 48 && code <= 57;
}
function startsName(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}
function startsOperator(code: number): boolean {
  // * / = ! < >: the first characters of OPERATORS
  return [42, 47, 61, 33, 60, 62].includes(code);
}

function pyTokens(expression: string): PyToken[] | undefined {
  const tokens: PyToken[] = [];
  const n = expression.length;
  let i = 0;
  // Sticky patterns at i rather than anchored ones on a slice of the rest: no new string per token.
  const at = (pattern: RegExp): RegExpExecArray | null => {
    pattern.lastIndex = i;
    return pattern.exec(expression);
  };
  // The first backslash at or after a position, searched again only once passed: searching from each string
  // to the end of the text made a line of many strings quadratic.
  let backslash = -2;
  const slashFrom = (from: number): number => {
    if (backslash !== -1 && backslash < from) backslash = expression.indexOf('\\', from);
    return backslash;
  };
  while (i < n) {
    const c = expression[i] as string;
    const code = expression.charCodeAt(i);
    const space = startsSpace(expression, i, code) ? at(SPACE) : null;
    if (space) {
      i += space[0].length;
      continue;
    }
    if (c === '#') {
      // A comment runs to the end of its line; the statement may go on after it inside brackets.
      const newline = expression.indexOf('\n', i);
      if (newline === -1) break;
      i = newline;
      continue;
    }
    const str = startsString(code) ? at(STRING_START) : null;
    if (str) {
      const prefix = (str[1] as string).toLowerCase();
      const quote = str[2] as string;
      let j = i + str[0].length;
      let value = '';
      // The closing quote and the backslashes before it, found by searching rather than one character at a time.
      let close = expression.indexOf(quote, j);
      let slash = prefix.includes('r') ? -1 : slashFrom(j);
      // A backslash escapes the character after it (not in a raw string, and not as the last character).
      while (slash !== -1 && (close === -1 || slash < close) && slash + 1 < n) {
        const next = expression[slash + 1] as string;
        value += expression.slice(j, slash) + (next === 'n' ? '\n' : next === 't' ? '\t' : next);
        j = slash + 2;
        if (close !== -1 && close < j) close = expression.indexOf(quote, j);
        slash = slashFrom(j);
      }
      if (close === -1) return undefined;
      value += expression.slice(j, close);
      tokens.push({ kind: prefix.includes('f') ? 'fstr' : 'str', value });
      i = close + quote.length;
      continue;
    }
    const num = startsNumber(code) ? at(NUMBER) : null;
    if (num) {
      tokens.push({ kind: 'num', value: Number(num[0].replace(/_/g, '')) });
      i += num[0].length;
      continue;
    }
    const name = startsName(code) ? at(NAME) : null;
    if (name) {
      tokens.push({ kind: 'name', value: name[0] });
      i += name[0].length;
      continue;
    }
    const op = (startsOperator(code) && OPERATORS.find((o) => expression.startsWith(o, i))) || c;
    tokens.push({ kind: 'op', value: op });
    i += op.length;
  }
  return tokens;
}

/**
 * Where the tokens of a statement stand at the end of its text (read as `pyTokens` reads it), fed one line
 * at a time: the depth of open brackets, a string left open, a comment running to the end.
 */
class StatementScan {
  private depth = 0;
  private string: { quote: string; raw: boolean } | null = null;
  private comment = false;
  /** A backslash that ends the text inside a string: it escapes the next character fed. */
  private escape = false;
  /** A triple quote anywhere in the text. */
  private triple = false;

  /** Whether the statement goes on: open brackets, or a string left open when a triple quote was seen. */
  get open(): boolean {
    return this.string ? this.triple : this.depth > 0;
  }

  feed(text: string): void {
    if (text.includes('"""') || text.includes("'''")) this.triple = true;
    const n = text.length;
    let i = 0;
    // As in pyTokens: the next backslash, searched again only once passed.
    let backslash = -2;
    const slashFrom = (from: number): number => {
      if (backslash !== -1 && backslash < from) backslash = text.indexOf('\\', from);
      return backslash;
    };
    if (this.escape && n > 0) {
      this.escape = false;
      i = 1;
    }
    while (i < n) {
      if (this.string) {
        // As in pyTokens: the closing quote, unless a backslash before it escapes it.
        const { quote, raw } = this.string;
        let close = text.indexOf(quote, i);
        let slash = raw ? -1 : slashFrom(i);
        while (slash !== -1 && (close === -1 || slash < close)) {
          if (slash + 1 === n) {
            this.escape = true;
            return;
          }
          i = slash + 2;
          if (close !== -1 && close < i) close = text.indexOf(quote, i);
          slash = slashFrom(i);
        }
        if (close === -1) return;
        i = close + quote.length;
        this.string = null;
        continue;
      }
      if (this.comment) {
        const newline = text.indexOf('\n', i);
        if (newline === -1) return;
        this.comment = false;
        i = newline;
        continue;
      }
      const c = text[i] as string;
      const code = text.charCodeAt(i);
      if (startsSpace(text, i, code)) {
        i++;
        continue;
      }
      if (c === '#') {
        this.comment = true;
        continue;
      }
      STRING_START.lastIndex = i;
      const str = startsString(code) ? STRING_START.exec(text) : null;
      if (str) {
        this.string = { quote: str[2] as string, raw: (str[1] as string).toLowerCase().includes('r') };
        i += str[0].length;
        continue;
      }
      NUMBER.lastIndex = i;
      NAME.lastIndex = i;
      const word = startsNumber(code) ? NUMBER.exec(text) : startsName(code) ? NAME.exec(text) : null;
      if (word) {
        i += word[0].length;
        continue;
      }
      const op = (startsOperator(code) && OPERATORS.find((o) => text.startsWith(o, i))) || c;
      if ('([{'.includes(op)) this.depth++;
      if (')]}'.includes(op)) this.depth--;
      i += op.length;
    }
  }

  /** The backslash that ended the text was dropped (line continuation): nothing is left for it to escape. */
  dropBackslash(): void {
    this.escape = false;
  }
}

/**
 * The statement that starts on line `start` with `first`, and its last line: it goes on while brackets or a
 * triple-quoted string are open, or while it ends with a backslash (which is dropped). Each line is scanned
 * once as it joins: scanning the whole statement again for each line made an unclosed bracket at the top of a
 * long file quadratic (seconds for a few thousand lines).
 */
function joinStatement(lines: string[], start: number, first: string): { text: string; last: number } {
  const pieces = [first];
  // The pieces that hold more than whitespace, the last one last: where a continuation backslash can be.
  const filled = first.trim() === '' ? [] : [0];
  const scan = new StatementScan();
  scan.feed(first);
  let last = start;
  while (last + 1 < lines.length) {
    const k = filled[filled.length - 1];
    const tail = k === undefined ? '' : (pieces[k] as string).trimEnd();
    const backslash = tail.endsWith('\\');
    if (!backslash && !scan.open) break;
    if (backslash && k !== undefined) {
      // "\\" and the whitespace after it, blank lines included, are not part of the statement.
      pieces[k] = tail.slice(0, -1);
      pieces.length = k + 1;
      if ((pieces[k] as string).trim() === '') filled.pop();
      scan.dropBackslash();
    }
    const next = lines[++last] as string;
    pieces.push(next);
    if (next.trim() !== '') filled.push(pieces.length - 1);
    scan.feed(`\n${next}`);
  }
  return { text: pieces.join('\n'), last };
}

/** A value the evaluator cannot know (a call it does not know, an unset variable); it spreads through operations. */
const UNKNOWN = Symbol('unknown');
type Value = PyValue | typeof UNKNOWN;

class EvalError extends Error {}

/** Python's str() of a value. */
function pyStr(value: PyValue): string {
  if (value === null) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (Array.isArray(value)) throw new EvalError('str of a list');
  return String(value);
}

function truthy(value: PyValue): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return value !== null && value !== false && value !== 0 && value !== '';
}

/**
 * The largest value a config file can build: characters of a string, or items of a list, nested lists counted
 * whole. Thirty lines of "x = x + x" double a value to a billion items (a list that size exhausts memory);
 * no server setting is that large, so such a value is one medic cannot know.
 */
const MAX_VALUE_SIZE = 100_000;
const listSizes = new WeakMap<PyValue[], number>();

function sizeOf(value: PyValue): number {
  if (typeof value === 'string') return value.length;
  if (!Array.isArray(value)) return 1;
  // Lists are kept, so a list's size is counted once, whatever lists it has been put in since.
  let size = listSizes.get(value);
  if (size === undefined) {
    size = 1;
    for (const item of value) size += sizeOf(item);
    listSizes.set(value, size);
  }
  return size;
}

function sized<T extends PyValue>(value: T): T {
  if (sizeOf(value) > MAX_VALUE_SIZE) throw new EvalError('too large');
  return value;
}

function combine(left: PyValue, operator: string, right: PyValue): PyValue | undefined {
  try {
    return binary(left, operator, right);
  } catch {
    return undefined;
  }
}

function binary(left: PyValue, operator: string, right: PyValue): PyValue {
  const numbers = typeof left === 'number' && typeof right === 'number';
  switch (operator) {
    case '+':
      if (numbers) return (left as number) + (right as number);
      if (typeof left === 'string' && typeof right === 'string') return sized(left + right);
      if (Array.isArray(left) && Array.isArray(right)) {
        if (sizeOf(left) + sizeOf(right) > MAX_VALUE_SIZE) throw new EvalError('too large');
        return [...left, ...right];
      }
      break;
    case '-':
      if (numbers) return (left as number) - (right as number);
      break;
    case '*':
      if (numbers) return (left as number) * (right as number);
      break;
    case '/':
      if (numbers && right !== 0) return (left as number) / (right as number);
      break;
    case '//':
      if (numbers && right !== 0) return Math.floor((left as number) / (right as number));
      break;
    case '%':
      if (numbers && right !== 0)
        return (left as number) - Math.floor((left as number) / (right as number)) * (right as number);
      break;
    case '**':
      if (numbers) return (left as number) ** (right as number);
      break;
    case '==':
      return JSON.stringify(left) === JSON.stringify(right);
    case '!=':
      return JSON.stringify(left) !== JSON.stringify(right);
  }
  throw new EvalError(operator);
}

// Python's own limit on nested brackets (CPython: "too many nested parentheses").
const MAX_NESTING = 200;
const ENV_GET = new Set(['os.environ.get', 'os.getenv', 'environ.get', 'getenv']);
const ENV_MAPPING = new Set(['os.environ', 'environ']);
const CPU_COUNT = new Set(['multiprocessing.cpu_count', 'cpu_count', 'os.cpu_count']);

function evaluate(
  expression: string,
  env: Record<string, string>,
  options: ConfigOptions,
  names: Map<string, PyValue>,
): PyValue | undefined {
  const tokens = pyTokens(expression);
  if (!tokens || tokens.length === 0) return undefined;
  // Python refuses an expression nested deeper than MAX_NESTING. Without a bound, "((((…" ran the evaluator
  // out of stack, at a depth that changed as the code was optimised (the same file read two ways).
  let nesting = 0;
  const nested = (read: () => Value): Value => {
    if (++nesting > MAX_NESTING) throw new EvalError('nesting');
    const value = read();
    nesting--;
    return value;
  };
  // Only the environment's own variables: os.environ["constructor"] is not Object's constructor.
  const variable = (name: string): string | undefined => (Object.hasOwn(env, name) ? env[name] : undefined);
  let pos = 0;
  const peek = () => tokens[pos];
  const isOp = (v: string) => {
    const t = tokens[pos];
    return t !== undefined && t.kind === 'op' && t.value === v;
  };
  const isName = (v: string) => {
    const t = tokens[pos];
    return t !== undefined && t.kind === 'name' && t.value === v;
  };
  const expect = (v: string) => {
    if (!isOp(v)) throw new EvalError(v);
    pos++;
  };
  /** Comma-separated expressions up to `close`; keyword arguments are kept apart. */
  const items = (close: string): { args: Value[]; keywords: Map<string, Value> } => {
    const args: Value[] = [];
    const keywords = new Map<string, Value>();
    while (!isOp(close)) {
      const t = peek();
      if (t?.kind === 'name' && tokens[pos + 1]?.kind === 'op' && tokens[pos + 1]?.value === '=') {
        pos += 2;
        keywords.set(t.value, conditional());
      } else if (isOp('*') || isOp('**')) {
        pos++;
        conditional();
        args.push(UNKNOWN);
      } else {
        args.push(conditional());
      }
      if (!isOp(close)) expect(',');
    }
    pos++;
    return { args, keywords };
  };
  const fstring = (text: string): Value => {
    let out = '';
    for (let i = 0; i < text.length; i++) {
      const c = text[i] as string;
      if ((c === '{' || c === '}') && text[i + 1] === c) {
        out += c;
        i++;
        continue;
      }
      if (c !== '{') {
        out += c;
        continue;
      }
      let depth = 1;
      let j = i + 1;
      for (; j < text.length && depth > 0; j++) {
        if (text[j] === '{') depth++;
        if (text[j] === '}') depth--;
      }
      const field = text.slice(i + 1, j - 1);
      // Conversions and format specs ("!r", ":>5") are past what medic evaluates.
      if (depth > 0 || /![rsa]$|:[^\]]*$/.test(field.replace(/\[[^\]]*\]|\([^)]*\)/g, ''))) return UNKNOWN;
      const value = evaluate(field, env, options, names);
      if (value === undefined) return UNKNOWN;
      out = sized(out + pyStr(value));
      i = j - 1;
    }
    return out;
  };
  const call = (name: string): Value => {
    const { args, keywords } = items(')');
    if (ENV_GET.has(name)) {
      const [key, fallback] = args;
      if (typeof key !== 'string') return UNKNOWN;
      const set = variable(key);
      if (set !== undefined) return set;
      // Without a default an unset variable is None, which gunicorn does not take for most settings.
      return fallback === undefined ? UNKNOWN : fallback;
    }
    if (CPU_COUNT.has(name)) return options.cpus ?? UNKNOWN;
    if (keywords.size > 0 || args.includes(UNKNOWN)) return UNKNOWN;
    const values = args as PyValue[];
    switch (name) {
      case 'int': {
        const [inner] = values;
        const n = typeof inner === 'string' ? Number(inner.trim()) : typeof inner === 'number' ? inner : NaN;
        if (typeof inner === 'string' && !/^\s*[-+]?\d+\s*$/.test(inner)) throw new EvalError('int');
        if (!Number.isFinite(n)) throw new EvalError('int');
        return Math.trunc(n);
      }
      case 'float': {
        const n = Number(values[0]);
        if (!Number.isFinite(n)) throw new EvalError('float');
        return n;
      }
      case 'str':
        return values.length === 0 ? '' : pyStr(values[0] as PyValue);
      case 'bool':
        return values.length === 0 ? false : truthy(values[0] as PyValue);
      case 'max':
      case 'min': {
        const list = values.length === 1 && Array.isArray(values[0]) ? (values[0] as PyValue[]) : values;
        if (list.length === 0 || !list.every((v) => typeof v === 'number')) throw new EvalError(name);
        return name === 'max' ? Math.max(...(list as number[])) : Math.min(...(list as number[]));
      }
      case 'list':
      case 'tuple':
        if (values.length === 0) return [];
        if (Array.isArray(values[0])) return values[0];
        return UNKNOWN;
      default:
        return UNKNOWN;
    }
  };
  const atom = (): Value => {
    const t = peek();
    if (!t) throw new EvalError('end');
    pos++;
    if (t.kind === 'str' || t.kind === 'fstr') {
      let value: Value = t.kind === 'fstr' ? fstring(t.value) : t.value;
      // Adjacent string literals concatenate.
      while (peek()?.kind === 'str' || peek()?.kind === 'fstr') {
        const next = tokens[pos++] as { kind: string; value: string };
        const part = next.kind === 'fstr' ? fstring(next.value) : next.value;
        value = value === UNKNOWN || part === UNKNOWN ? UNKNOWN : (value as string) + (part as string);
      }
      return value;
    }
    if (t.kind === 'num') return t.value;
    if (t.kind === 'op' && t.value === '[') {
      const { args } = items(']');
      return args.includes(UNKNOWN) ? UNKNOWN : sized(args as PyValue[]);
    }
    if (t.kind === 'op' && t.value === '(') {
      // "(x)" is x; "(x,)" and "(x, y)" are tuples.
      if (isOp(')')) {
        pos++;
        return [];
      }
      const head = conditional();
      if (isOp(')')) {
        pos++;
        return head;
      }
      expect(',');
      const { args } = items(')');
      const all = [head, ...args];
      return all.includes(UNKNOWN) ? UNKNOWN : sized(all as PyValue[]);
    }
    if (t.kind === 'name') {
      if (t.value === 'True' || t.value === 'true') return true;
      if (t.value === 'False' || t.value === 'false') return false;
      if (t.value === 'None') return null;
      if (isOp('(')) {
        pos++;
        return call(t.value);
      }
      if (ENV_MAPPING.has(t.value) && isOp('[')) {
        pos++;
        const { args } = items(']');
        const key = args[0];
        // An unset variable raises KeyError: gunicorn cannot load the file.
        return (typeof key === 'string' ? variable(key) : undefined) ?? UNKNOWN;
      }
      const assigned = names.get(t.value);
      return assigned === undefined ? UNKNOWN : assigned;
    }
    throw new EvalError('unexpected');
  };
  const postfix = (): Value => {
    let value = atom();
    for (;;) {
      if (isOp('[')) {
        pos++;
        const { args } = items(']');
        const index = args[0];
        if (value !== UNKNOWN && Array.isArray(value) && typeof index === 'number' && args.length === 1) {
          const at = index < 0 ? value.length + index : index;
          value = at >= 0 && at < value.length ? (value[at] as PyValue) : UNKNOWN;
        } else value = UNKNOWN;
      } else if (isOp('.') && tokens[pos + 1]?.kind === 'name') {
        // A method or attribute of a value ("…".format(), "…".split()).
        pos += 2;
        if (isOp('(')) {
          pos++;
          items(')');
        }
        value = UNKNOWN;
      } else return value;
    }
  };
  const unary = (): Value => {
    if (isOp('-') || isOp('+')) {
      const sign = (peek() as { value: string }).value;
      pos++;
      const value = nested(unary);
      if (value === UNKNOWN) return UNKNOWN;
      if (typeof value !== 'number') throw new EvalError('unary');
      return sign === '-' ? -value : value;
    }
    const base = postfix();
    if (isOp('**')) {
      pos++;
      const exponent = nested(unary);
      return base === UNKNOWN || exponent === UNKNOWN ? UNKNOWN : binary(base, '**', exponent);
    }
    return base;
  };
  const level = (next: () => Value, operators: string[]) => (): Value => {
    let left = next();
    while (operators.some((o) => isOp(o))) {
      const operator = (tokens[pos++] as { value: string }).value;
      const right = next();
      left = left === UNKNOWN || right === UNKNOWN ? UNKNOWN : binary(left, operator, right);
    }
    return left;
  };
  const product = level(unary, ['*', '/', '//', '%']);
  const sum = level(product, ['+', '-']);
  const comparison = level(sum, ['==', '!=']);
  const negation = (): Value => {
    if (!isName('not')) return comparison();
    pos++;
    const value = nested(negation);
    return value === UNKNOWN ? UNKNOWN : !truthy(value);
  };
  const logical = (next: () => Value, word: 'and' | 'or') => (): Value => {
    let left = next();
    while (isName(word)) {
      pos++;
      const right = next();
      if (left === UNKNOWN) continue;
      // "a or b" is a when a is truthy, else b; "a and b" is a when a is falsy, else b.
      if (truthy(left) === (word === 'and')) left = right;
    }
    return left;
  };
  const conjunction = logical(negation, 'and');
  const disjunction = logical(conjunction, 'or');
  const conditional = (): Value => nested(choice);
  const choice = (): Value => {
    const then = disjunction();
    if (!isName('if')) return then;
    pos++;
    const condition = disjunction();
    if (!isName('else')) throw new EvalError('else');
    pos++;
    const otherwise = conditional();
    if (condition === UNKNOWN) return UNKNOWN;
    return truthy(condition) ? then : otherwise;
  };
  try {
    const value = conditional();
    return pos !== tokens.length || value === UNKNOWN ? undefined : value;
  } catch {
    return undefined;
  }
}

interface Scanned {
  options: [string, string | undefined][];
  positionals: string[];
}

/** Splits argv into options and positionals; options take a value unless they are in `flags`. */
function scan(args: string[], flags: Set<string>): Scanned {
  const options: [string, string | undefined][] = [];
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (flags.has(a)) {
      options.push([a, undefined]);
    } else if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq !== -1) options.push([a.slice(0, eq), a.slice(eq + 1)]);
      else options.push([a, args[++i]]);
    } else if (a.startsWith('-') && a.length > 1 && !/^-\d/.test(a)) {
      const short = a.slice(0, 2);
      if (flags.has(short)) options.push([short, undefined]);
      else if (a.length > 2) options.push([short, a.slice(2).replace(/^=/, '')]);
      else options.push([short, args[++i]]);
    } else {
      positionals.push(a);
    }
  }
  return { options, positionals };
}

function values(scanned: Scanned, ...names: string[]): string[] {
  return scanned.options.filter(([n, v]) => names.includes(n) && v !== undefined).map(([, v]) => v as string);
}

function last(scanned: Scanned, ...names: string[]): string | undefined {
  const all = values(scanned, ...names);
  return all[all.length - 1];
}

function has(scanned: Scanned, ...names: string[]): boolean {
  return scanned.options.some(([n]) => names.includes(n));
}

function integer(value: string | number | undefined | null | PyValue): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

function stringList(value: PyValue | undefined): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  return undefined;
}

function bindsOf(texts: string[], defaultHost = '127.0.0.1'): { binds: Bind[]; fds: number[] } {
  const binds: Bind[] = [];
  const fds: number[] = [];
  for (const text of texts) {
    const fd = /^fd:\/\/(\d+)$/.exec(text.trim());
    if (fd) fds.push(Number(fd[1]));
    const bind = parseBind(text, defaultHost);
    if (bind) binds.push(bind);
  }
  return { binds, fds };
}

function resolve(path: string, cwd: string | undefined): string {
  // A path that starts with a variable ("${ConfigPath}") is whatever the variable holds, not one under cwd.
  return posix.isAbsolute(path) || cwd === undefined || path.startsWith('$') ? path : posix.join(cwd, path);
}

/** Reads a config file given as "path", "file:path" or "python:module" (which cannot be read). */
function readConfig(
  spec: string,
  ctx: Context,
): { file: string; settings?: Map<string, PyValue>; unresolved?: Set<string> } {
  if (spec.startsWith('python:')) return { file: spec };
  const file = resolve(spec.replace(/^file:/, ''), ctx.cwd);
  const text = ctx.read(file);
  if (text === undefined) return { file };
  const options: ConfigOptions = ctx.cpus === undefined ? {} : { cpus: ctx.cpus };
  const { values, unresolved } = analyseConfig(text, ctx.env, options);
  return { file, settings: values, unresolved };
}

const GUNICORN_FLAGS = new Set([
  '-D',
  '--daemon',
  '-R',
  '--enable-stdio-inheritance',
  '--reload',
  '--preload',
  '--spew',
  '--check-config',
  '--print-config',
  '--capture-output',
  '--no-sendfile',
  '--reuse-port',
  '--strip-header-spaces',
  '--proxy-protocol',
  '--suppress-ragged-eofs',
  '--do-handshake-on-connect',
  '--initgroups',
  '--permit-obsolete-folding',
  '--permit-unconventional-http-method',
  '--permit-unconventional-http-version',
  '--casefold-http-method',
  '-v',
  '--version',
  '-h',
  '--help',
]);

type ConfigField = NonNullable<AppServer['unresolved']>[number];

interface GunicornSettings {
  /** Fields the config file sets to values medic cannot work out. */
  unknown?: ConfigField[];
  bind?: string[];
  workers?: number;
  timeout?: number;
  workerClass?: string;
  chdir?: string;
  module?: string;
}

function gunicornFromArgs(scanned: Scanned): GunicornSettings {
  const s: GunicornSettings = {};
  const bind = values(scanned, '-b', '--bind');
  if (bind.length > 0) s.bind = bind;
  const workers = integer(last(scanned, '-w', '--workers'));
  const timeout = integer(last(scanned, '-t', '--timeout'));
  const workerClass = last(scanned, '-k', '--worker-class');
  const chdir = last(scanned, '--chdir');
  if (workers !== undefined) s.workers = workers;
  if (timeout !== undefined) s.timeout = timeout;
  if (workerClass !== undefined) s.workerClass = workerClass;
  if (chdir !== undefined) s.chdir = chdir;
  if (scanned.positionals[0] !== undefined) s.module = scanned.positionals[0];
  return s;
}

// gunicorn's setting names for the fields medic reads from a config file.
const GUNICORN_SETTINGS: [string, ConfigField][] = [
  ['bind', 'binds'],
  ['workers', 'workers'],
  ['timeout', 'timeout'],
  ['worker_class', 'workerClass'],
  ['chdir', 'chdir'],
  ['wsgi_app', 'module'],
];

function gunicornFromConfig(
  settings: Map<string, PyValue>,
  unresolved = new Set<string>(),
): GunicornSettings {
  const s: GunicornSettings = {};
  const unknown = GUNICORN_SETTINGS.filter(([name]) => unresolved.has(name)).map(([, field]) => field);
  if (unknown.length > 0) s.unknown = unknown;
  const bind = stringList(settings.get('bind'));
  const workers = integer(settings.get('workers'));
  const timeout = integer(settings.get('timeout'));
  const workerClass = settings.get('worker_class');
  const chdir = settings.get('chdir');
  const module = settings.get('wsgi_app');
  if (bind) s.bind = bind;
  if (workers !== undefined) s.workers = workers;
  if (timeout !== undefined) s.timeout = timeout;
  if (typeof workerClass === 'string') s.workerClass = workerClass;
  if (typeof chdir === 'string') s.chdir = chdir;
  if (typeof module === 'string') s.module = module;
  return s;
}

/** gunicorn: config file, then GUNICORN_CMD_ARGS, then the command line, each overriding the one before. */
function gunicorn(args: string[], ctx: Context): AppServer {
  const cli = scan(args, GUNICORN_FLAGS);
  const envArgs = ctx.env.GUNICORN_CMD_ARGS
    ? scan(shellWords(ctx.env.GUNICORN_CMD_ARGS).words, GUNICORN_FLAGS)
    : null;
  const configSpec = last(cli, '-c', '--config') ?? (envArgs ? last(envArgs, '-c', '--config') : undefined);
  const result: AppServer = { server: 'gunicorn', binds: [], argv: args };
  let fromConfig: GunicornSettings = {};
  if (configSpec !== undefined) {
    const config = readConfig(configSpec, ctx);
    result.configFile = config.file;
    result.configRead = config.settings !== undefined;
    if (config.settings) fromConfig = gunicornFromConfig(config.settings, config.unresolved);
  } else if (ctx.cwd !== undefined) {
    // Without -c, gunicorn reads ./gunicorn.conf.py from the directory it starts in, if there is one.
    const config = readConfig('gunicorn.conf.py', ctx);
    if (config.settings) {
      result.configFile = config.file;
      result.configRead = true;
      fromConfig = gunicornFromConfig(config.settings, config.unresolved);
    }
  }
  const fromEnvArgs = envArgs ? gunicornFromArgs(envArgs) : {};
  const fromCli = gunicornFromArgs(cli);
  const merged: GunicornSettings = { ...fromConfig, ...fromEnvArgs, ...fromCli };
  // What the config file leaves unknown stays so unless GUNICORN_CMD_ARGS or the command line sets it.
  const given = (field: ConfigField) => {
    const key = field === 'binds' ? 'bind' : field;
    return fromEnvArgs[key] !== undefined || fromCli[key] !== undefined;
  };
  const unknown = (fromConfig.unknown ?? []).filter((field) => !given(field));
  if (unknown.length > 0) result.unresolved = unknown;
  // gunicorn's defaults: $PORT (as on PaaS) or 127.0.0.1:8000; $WEB_CONCURRENCY workers.
  const port = ctx.env.PORT;
  const bind =
    merged.bind ??
    (unknown.includes('binds') ? [] : [port !== undefined ? `0.0.0.0:${port}` : '127.0.0.1:8000']);
  const { binds, fds } = bindsOf(bind);
  result.binds = binds;
  if (fds.length > 0) result.fds = fds;
  const workers =
    merged.workers ?? (unknown.includes('workers') ? undefined : integer(ctx.env.WEB_CONCURRENCY));
  if (merged.module !== undefined) result.module = merged.module;
  if (workers !== undefined) result.workers = workers;
  if (merged.timeout !== undefined) result.timeout = merged.timeout;
  if (merged.workerClass !== undefined) result.workerClass = merged.workerClass;
  if (merged.chdir !== undefined) result.chdir = merged.chdir;
  return result;
}

const UVICORN_FLAGS = new Set([
  '--reload',
  '--factory',
  '--proxy-headers',
  '--no-proxy-headers',
  '--access-log',
  '--no-access-log',
  '--use-colors',
  '--no-use-colors',
  '--server-header',
  '--no-server-header',
  '--date-header',
  '--no-date-header',
  '--version',
  '--help',
]);

/** uvicorn: --uds, else --fd, else --host/--port; every option can also come from UVICORN_<OPTION>. */
function uvicorn(args: string[], ctx: Context): AppServer {
  const cli = scan(args, UVICORN_FLAGS);
  const option = (name: string) =>
    last(cli, `--${name}`) ?? ctx.env[`UVICORN_${name.toUpperCase().replace(/-/g, '_')}`];
  const result: AppServer = { server: 'uvicorn', binds: [], argv: args };
  const uds = option('uds');
  const fd = integer(option('fd'));
  if (uds !== undefined) result.binds = [{ kind: 'unix', path: uds }];
  else if (fd !== undefined) result.fds = [fd];
  else {
    const bind = parseBind(`[${option('host') ?? '127.0.0.1'}]:${option('port') ?? '8000'}`);
    if (bind) result.binds = [bind];
  }
  const module = cli.positionals[0] ?? ctx.env.UVICORN_APP;
  const workers = integer(option('workers') ?? ctx.env.WEB_CONCURRENCY);
  const appDir = option('app-dir');
  if (module !== undefined) result.module = module;
  if (workers !== undefined) result.workers = workers;
  if (appDir !== undefined) result.appDir = appDir;
  if (has(cli, '--factory') || ctx.env.UVICORN_FACTORY === 'true') result.factory = true;
  return result;
}

const DAPHNE_FLAGS = new Set(['--proxy-headers', '--no-server-name', '--version', '-h', '--help']);

/** A Twisted endpoint string as daphne takes with -e: "tcp:port=8000:interface=127.0.0.1", "unix:/run/x.sock". */
function endpoint(text: string): Bind | null {
  const [type, ...parts] = text.split(':');
  if (type === 'unix') {
    const path = parts.find((p) => !p.includes('=')) ?? parts.find((p) => p.startsWith('address='))?.slice(8);
    return path ? { kind: 'unix', path } : null;
  }
  if (type === 'tcp' || type === 'tcp6' || type === 'ssl') {
    const named = Object.fromEntries(parts.filter((p) => p.includes('=')).map((p) => p.split('=', 2)));
    const port = integer(named.port ?? parts.find((p) => /^\d+$/.test(p)));
    if (port === undefined) return null;
    return { kind: 'tcp', host: named.interface ?? (type === 'tcp6' ? '::' : '0.0.0.0'), port };
  }
  return null;
}

function daphne(args: string[]): AppServer {
  const cli = scan(args, DAPHNE_FLAGS);
  const result: AppServer = { server: 'daphne', binds: [], argv: args };
  let host = last(cli, '-b', '--bind');
  let port = last(cli, '-p', '--port');
  const unix = last(cli, '-u', '--unix-socket');
  const fd = integer(last(cli, '--fd'));
  const endpoints = values(cli, '-e', '--endpoint');
  // daphne's defaults apply only when nothing says where to listen, and fill the half of host/port not given.
  if (
    host === undefined &&
    port === undefined &&
    unix === undefined &&
    fd === undefined &&
    endpoints.length === 0
  ) {
    host = '127.0.0.1';
    port = '8000';
  } else if (host !== undefined && port === undefined) port = '8000';
  else if (port !== undefined && host === undefined) host = '127.0.0.1';
  if (host !== undefined && port !== undefined) {
    const bind = parseBind(`[${host}]:${port}`);
    if (bind) result.binds.push(bind);
  }
  if (unix !== undefined) result.binds.push({ kind: 'unix', path: unix });
  for (const e of endpoints) {
    const bind = endpoint(e);
    if (bind) result.binds.push(bind);
  }
  if (fd !== undefined) result.fds = [fd];
  const timeout = integer(last(cli, '-t', '--http-timeout'));
  if (timeout !== undefined) result.timeout = timeout;
  if (cli.positionals[0] !== undefined) result.module = cli.positionals[0];
  return result;
}

const HYPERCORN_FLAGS = new Set(['--reload', '--debug', '--version', '-h', '--help']);

function hypercorn(args: string[], ctx: Context): AppServer {
  const cli = scan(args, HYPERCORN_FLAGS);
  const result: AppServer = { server: 'hypercorn', binds: [], argv: args };
  const configSpec = last(cli, '-c', '--config');
  let settings = new Map<string, PyValue>();
  let unresolved = new Set<string>();
  if (configSpec !== undefined) {
    const config = readConfig(configSpec, ctx);
    result.configFile = config.file;
    result.configRead = config.settings !== undefined;
    if (config.settings) settings = config.settings;
    if (config.unresolved) unresolved = config.unresolved;
  }
  const bind = [...values(cli, '-b', '--bind'), ...values(cli, '--insecure-bind')];
  const fromConfig = [
    ...(stringList(settings.get('bind')) ?? []),
    ...(stringList(settings.get('insecure_bind')) ?? []),
  ];
  const bindUnknown = bind.length === 0 && (unresolved.has('bind') || unresolved.has('insecure_bind'));
  if (bindUnknown) result.unresolved = ['binds'];
  const { binds, fds } = bindsOf(
    bind.length > 0 ? bind : fromConfig.length > 0 || bindUnknown ? fromConfig : ['127.0.0.1:8000'],
  );
  result.binds = binds;
  if (fds.length > 0) result.fds = fds;
  const workers = integer(last(cli, '-w', '--workers') ?? settings.get('workers'));
  const workerClass = last(cli, '-k', '--worker-class') ?? settings.get('worker_class');
  if (workers !== undefined) result.workers = workers;
  if (typeof workerClass === 'string') result.workerClass = workerClass;
  if (cli.positionals[0] !== undefined) result.module = cli.positionals[0];
  return result;
}

const WAITRESS_FLAGS = new Set([
  '--help',
  '--call',
  '--ipv4',
  '--no-ipv4',
  '--ipv6',
  '--no-ipv6',
  '--expose-tracebacks',
  '--no-expose-tracebacks',
  '--log-untrusted-proxy-headers',
  '--no-log-untrusted-proxy-headers',
  '--clear-untrusted-proxy-headers',
  '--no-clear-untrusted-proxy-headers',
  '--asyncore-use-poll',
]);

/** waitress-serve: --listen (repeated) or --unix-socket or --host/--port, by default 0.0.0.0:8080. */
function waitress(args: string[]): AppServer {
  const cli = scan(args, WAITRESS_FLAGS);
  const result: AppServer = { server: 'waitress', binds: [], argv: args };
  const listen = values(cli, '--listen');
  const unix = last(cli, '--unix-socket');
  if (listen.length > 0) result.binds = bindsOf(listen, '0.0.0.0').binds;
  else if (unix !== undefined) result.binds = [{ kind: 'unix', path: unix }];
  else {
    const bind = parseBind(`[${last(cli, '--host') ?? '0.0.0.0'}]:${last(cli, '--port') ?? '8080'}`);
    if (bind) result.binds = [bind];
  }
  if (cli.positionals[0] !== undefined) result.module = cli.positionals[0];
  if (has(cli, '--call')) result.factory = true;
  return result;
}

const RUNSERVER_FLAGS = new Set([
  '--noreload',
  '--nothreading',
  '--ipv6',
  '-6',
  '--insecure',
  '--nostatic',
  '--traceback',
  '--no-color',
  '--force-color',
  '--skip-checks',
  '-h',
  '--help',
]);

/** `manage.py runserver [addrport]`: 127.0.0.1:8000 by default ([::1] with -6); "0" means 0.0.0.0. */
function runserver(args: string[], manage: string | undefined): AppServer | null {
  if (args[0] !== 'runserver') return null;
  const cli = scan(args.slice(1), RUNSERVER_FLAGS);
  const ipv6 = has(cli, '-6', '--ipv6');
  const addrport = cli.positionals[0];
  const result: AppServer = { server: 'django-runserver', binds: [], argv: args };
  const bind = parseBind((addrport ?? '8000').replace(/^0:/, '0.0.0.0:'), ipv6 ? '::1' : '127.0.0.1');
  if (bind) result.binds = [bind];
  if (manage !== undefined && posix.isAbsolute(manage)) result.chdir = posix.dirname(manage);
  return result;
}

const SYSTEM_BIN = new Set(['/bin', '/sbin', '/usr/bin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin']);
const PYTHON = /^python(?:\d+(?:\.\d+)?)?$/;
const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ash']);
const RUNNERS = new Set(['poetry', 'pipenv', 'uv', 'pdm', 'hatch', 'rye']);

/** The virtualenv of an executable's path: /srv/app/venv/bin/gunicorn → /srv/app/venv. */
export function pythonEnvOf(executable: string, interpreter = false, cwd?: string): PythonEnv | undefined {
  if (!executable.includes('/')) return undefined;
  const path = resolve(executable, cwd);
  const binDir = posix.dirname(path);
  const env: PythonEnv = { binDir };
  // ~/.local/bin is pip --user, not a virtualenv.
  if (posix.basename(binDir) === 'bin' && !SYSTEM_BIN.has(binDir) && !binDir.endsWith('/.local/bin')) {
    env.venv = posix.dirname(binDir);
  }
  if (interpreter) env.interpreter = path;
  return env;
}

interface ShellWords {
  words: string[];
  /** Indexes in `words` where a command ends (&&, ||, ;, |). */
  breaks: number[];
}

/** POSIX shell words of a `sh -c` script: quotes, backslashes, and command separators. */
function shellWords(script: string): ShellWords {
  const words: string[] = [];
  const breaks: number[] = [];
  let word = '';
  let inWord = false;
  const end = () => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  for (let i = 0; i < script.length; i++) {
    const c = script[i] as string;
    if (c === "'") {
      const close = script.indexOf("'", i + 1);
      word += script.slice(i + 1, close === -1 ? undefined : close);
      inWord = true;
      i = close === -1 ? script.length : close;
    } else if (c === '"') {
      inWord = true;
      for (i++; i < script.length && script[i] !== '"'; i++) {
        if (script[i] === '\\' && '"\\$`'.includes(script[i + 1] ?? '')) i++;
        word += script[i];
      }
    } else if (c === '\\' && i + 1 < script.length) {
      word += script[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      end();
    } else if (c === ';' || c === '&' || c === '|') {
      end();
      if (script[i + 1] === c) i++;
      breaks.push(words.length);
    } else {
      word += c;
      inWord = true;
    }
  }
  end();
  return { words, breaks };
}

// A command has a few wrappers and a script a few commands; past these numbers the command is not one a
// person wrote, and following it (every "cd .." or "env -C .." making the path longer) takes quadratic time.
const MAX_WRAPPERS = 64;
const MAX_SCRIPT_COMMANDS = 256;

function shellScript(script: string, ctx: Context): AppServer | null {
  const { words, breaks } = shellWords(script);
  const bounds = [0, ...breaks, words.length];
  for (let b = 0; b + 1 < bounds.length && b < MAX_SCRIPT_COMMANDS; b++) {
    let command = words.slice(bounds[b], bounds[b + 1]);
    if (command[0] === 'exec') command = command.slice(1);
    const [head, ...rest] = command;
    if (head === undefined) continue;
    if (head === 'cd' && rest[0] !== undefined) {
      ctx.cwd = resolve(rest[0], ctx.cwd);
      continue;
    }
    if ((head === 'source' || head === '.') && rest[0]?.endsWith('/bin/activate')) {
      ctx.activated = resolve(posix.dirname(rest[0]), ctx.cwd);
      continue;
    }
    if (head === 'export') {
      for (const assignment of rest) {
        const eq = assignment.indexOf('=');
        if (eq > 0) ctx.env[assignment.slice(0, eq)] = assignment.slice(eq + 1);
      }
      continue;
    }
    const found = recognise(command, ctx);
    if (found) return found;
  }
  return null;
}

function withPython(server: AppServer | null, python: PythonEnv | undefined): AppServer | null {
  if (server && python && !server.python) server.python = python;
  return server;
}

const PYTHON_VALUE_OPTIONS = new Set(['-W', '-X', '-Q']);

function runPython(exe: string, args: string[], ctx: Context): AppServer | null {
  const python = pythonEnvOf(exe, true, ctx.cwd);
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '-m' || (a.startsWith('-m') && a.length > 2)) {
      const module = a === '-m' ? args[i + 1] : a.slice(2);
      const rest = args.slice(a === '-m' ? i + 2 : i + 1);
      return withPython(byName(module ?? '', rest, ctx, undefined), python);
    }
    if (a === '-c') return null;
    if (PYTHON_VALUE_OPTIONS.has(a)) {
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    // A script: manage.py, or a console script such as venv/bin/gunicorn run by this interpreter.
    const script = posix.basename(a);
    if (script === 'manage.py') return withPython(runserver(args.slice(i + 1), resolve(a, ctx.cwd)), python);
    return withPython(byName(script, args.slice(i + 1), ctx, undefined), python);
  }
  return null;
}

function byName(name: string, rest: string[], ctx: Context, manage: string | undefined): AppServer | null {
  switch (name) {
    case 'gunicorn':
    case 'gunicorn3':
      return gunicorn(rest, ctx);
    case 'uvicorn':
      return uvicorn(rest, ctx);
    case 'daphne':
      return daphne(rest);
    case 'hypercorn':
      return hypercorn(rest, ctx);
    case 'waitress-serve':
    case 'waitress':
      return waitress(rest);
    case 'manage.py':
      return runserver(rest, manage);
    case 'django-admin':
    case 'django-admin.py':
    case 'django':
      return runserver(rest, undefined);
    default:
      return null;
  }
}

function recognise(argv: string[], ctx: Context): AppServer | null {
  // Wrappers (env, poetry run, …) are looked through in a loop over argv, not by recursion on the rest of it:
  // a command of thousands of them must neither overflow the stack nor copy the rest of argv at each one.
  let at = 0;
  // Each wrapper, and each directory change of env -C, counts: a path made longer at each step costs more.
  let wrappers = 0;
  while (wrappers++ <= MAX_WRAPPERS) {
    const exe = argv[at];
    if (exe === undefined) return null;
    const name = posix.basename(exe);
    if (name === 'env') {
      let i = at + 1;
      for (; i < argv.length && wrappers <= MAX_WRAPPERS; i++) {
        const a = argv[i] as string;
        if (a === '-u' || a === '--unset') i++;
        else if (a === '-C' || a === '--chdir') {
          ctx.cwd = resolve(argv[++i] ?? '', ctx.cwd);
          wrappers++;
        } else if (a.startsWith('--chdir=')) {
          ctx.cwd = resolve(a.slice(8), ctx.cwd);
          wrappers++;
        } else if (a.startsWith('-')) continue;
        else if (/^[A-Za-z_]\w*=/.test(a)) ctx.env[a.slice(0, a.indexOf('='))] = a.slice(a.indexOf('=') + 1);
        else break;
      }
      at = i;
      continue;
    }
    if (RUNNERS.has(name) && argv[at + 1] === 'run') {
      let start = at + 2;
      while (start < argv.length && (argv[start] as string).startsWith('-')) start++;
      if (start >= argv.length) return null;
      at = start;
      continue;
    }
    return recogniseCommand(exe, name, argv.slice(at + 1), ctx);
  }
  return null;
}

/** A command that is no wrapper: a shell script, python, or an app server by name. */
function recogniseCommand(exe: string, name: string, rest: string[], ctx: Context): AppServer | null {
  if (SHELLS.has(name)) {
    const flag = rest.findIndex((a) => /^-[a-z]*c[a-z]*$/.test(a));
    const script = flag === -1 ? undefined : rest[flag + 1];
    return script === undefined ? null : shellScript(script, ctx);
  }
  if (PYTHON.test(name)) return runPython(exe, rest, ctx);
  const found = byName(name, rest, ctx, resolve(exe, ctx.cwd));
  if (!found) return null;
  const python =
    pythonEnvOf(exe, false, ctx.cwd) ??
    (ctx.activated !== undefined ? pythonEnvOf(posix.join(ctx.activated, name)) : undefined);
  return withPython(found, python);
}

/** The app server an argv starts, or null when it starts none that medic knows. */
export function appServerOf(argv: string[], context: ServerContext = {}): AppServer | null {
  return recognise(argv, {
    read: context.read ?? (() => undefined),
    cwd: context.cwd,
    env: { ...context.env },
    activated: undefined,
    cpus: context.cpus,
  });
}
