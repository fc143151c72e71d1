// Python's tokens as far as a config file needs them, and where a statement that spans lines ends.

export type PyToken =
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

export function pyTokens(expression: string): PyToken[] | undefined {
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
export function joinStatement(lines: string[], start: number, first: string): { text: string; last: number } {
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
