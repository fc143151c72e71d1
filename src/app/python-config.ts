// The settings of a gunicorn.conf.py (or a hypercorn TOML file): its module-level assignments.
import { combine, type ConfigOptions, evaluate, type PyValue } from './python-expression.ts';
import { joinStatement } from './python-tokens.ts';

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
