// The value of one Python expression of a config file, as far as medic can know it without running it.
import { pyTokens } from './python-tokens.ts';

/** A Python (or TOML) literal value of a config file. */
export type PyValue = string | number | boolean | null | PyValue[];

export interface ConfigOptions {
  /** The number of CPUs, for `multiprocessing.cpu_count()` and `os.cpu_count()`; unknown when absent. */
  cpus?: number;
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

export function combine(left: PyValue, operator: string, right: PyValue): PyValue | undefined {
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

export function evaluate(
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
