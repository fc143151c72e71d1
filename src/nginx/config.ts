// Tokenizer and parser of nginx configuration, following the rules of nginx's own reader
// (ngx_conf_read_token): quotes, backslash escapes, "#" comments, "${var}", blocks, and includes.
// Pure: files and globs come through injected functions, so the same code reads a live host,
// a testbed, or the files of an `nginx -T` dump.
import { posix } from 'node:path';

export interface Directive {
  name: string;
  args: string[];
  /** The directives inside `{ … }`, for block directives (http, server, location, upstream, if, …). */
  block?: Directive[];
  file: string;
  /** 1-based line of the directive's name. */
  line: number;
}

export interface NginxParseError {
  kind: 'syntax' | 'read' | 'include';
  message: string;
  file: string;
  line: number;
}

export interface MissingInclude {
  /** The argument as written. */
  pattern: string;
  /** The absolute path nginx would open. */
  path: string;
  file: string;
  line: number;
}

export interface NginxConfig {
  /** The main file's directives, each `include` replaced by the directives of the files it names. */
  directives: Directive[];
  /** Every file read, the main file first, in the order nginx reads them. */
  files: string[];
  /** Included files that could not be read; nginx refuses to start on one named without a wildcard. */
  missing: MissingInclude[];
}

export type NginxResult = { ok: true; config: NginxConfig } | { ok: false; error: NginxParseError };

export type ReadFile = (path: string) => string | undefined;
export type Glob = (pattern: string) => string[];

type Token = { kind: 'word'; text: string; line: number } | { kind: ';' | '{' | '}'; line: number };

const SPACE = new Set([' ', '\t', '\r', '\n']);
// nginx expands these in included paths; any of them makes the include a glob, which may match nothing.
const GLOB_CHARS = /[*?[]/;
// Deeper than this, an include chain is a cycle nginx would loop on until it runs out of files.
const MAX_INCLUDE_DEPTH = 32;
// Real configurations nest a handful of blocks (http, server, location, if). Thousands of levels are an attack
// on whatever reads the tree: recursion runs out of stack, and each directive's chain of parents is copied.
const MAX_BLOCK_DEPTH = 100;
const TOO_DEEP = `blocks nested more than ${MAX_BLOCK_DEPTH} deep`;

class TokenError extends Error {
  line: number;
  constructor(message: string, line: number) {
    super(message);
    this.line = line;
  }
}

/** nginx unescapes \" \' \\ \t \r \n in every word, quoted or not; any other backslash stays. */
function unescape(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i];
    if (ch === '\\' && i + 1 < raw.length) {
      const next = raw[i + 1];
      if (next === '"' || next === "'" || next === '\\') {
        out += next;
        i++;
        continue;
      }
      const control = next === 't' ? '\t' : next === 'r' ? '\r' : next === 'n' ? '\n' : undefined;
      if (control !== undefined) {
        out += control;
        i++;
        continue;
      }
    }
    out += ch;
  }
  return out;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const ch = text[i] as string;
    if (SPACE.has(ch)) {
      if (ch === '\n') line++;
      i++;
      continue;
    }
    if (ch === '#') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (ch === ';' || ch === '{' || ch === '}') {
      tokens.push({ kind: ch, line });
      i++;
      continue;
    }
    const start = line;
    if (ch === '"' || ch === "'") {
      // A quoted word: the quote closes only when not escaped by a backslash.
      let raw = '';
      i++;
      let closed = false;
      while (i < n) {
        const c = text[i] as string;
        if (c === '\\' && i + 1 < n) {
          raw += c + (text[i + 1] as string);
          if (text[i + 1] === '\n') line++;
          i += 2;
          continue;
        }
        if (c === ch) {
          closed = true;
          i++;
          break;
        }
        if (c === '\n') line++;
        raw += c;
        i++;
      }
      if (!closed) throw new TokenError('unexpected end of file, expecting ";" or "}"', line);
      tokens.push({ kind: 'word', text: unescape(raw), line: start });
      // After a closing quote nginx wants a separator; ")" starts a new word (`if ($a = "b")`).
      const after = text[i];
      if (after !== undefined && !SPACE.has(after) && after !== ';' && after !== '{' && after !== ')') {
        throw new TokenError(`unexpected "${after}"`, line);
      }
      continue;
    }
    // A bare word ends at whitespace, ";" or "{" ("${" belongs to a variable); "}" and "#" do not end it.
    let raw = '';
    let variable = false;
    while (i < n) {
      const c = text[i] as string;
      if (c === '\\' && i + 1 < n) {
        raw += c + (text[i + 1] as string);
        if (text[i + 1] === '\n') line++;
        i += 2;
        variable = false;
        continue;
      }
      if (c === '{' && variable) {
        raw += c;
        i++;
        variable = false;
        continue;
      }
      variable = c === '$';
      if (SPACE.has(c) || c === ';' || c === '{') break;
      raw += c;
      i++;
    }
    tokens.push({ kind: 'word', text: unescape(raw), line: start });
  }
  return tokens;
}

/** The directives of one file's text, without include resolution. */
export function parseNginxText(text: string, file: string): Directive[] | NginxParseError {
  let tokens: Token[];
  try {
    tokens = tokenize(text);
  } catch (e) {
    if (e instanceof TokenError) return { kind: 'syntax', message: e.message, file, line: e.line };
    throw e;
  }
  const root: Directive[] = [];
  const stack: Directive[][] = [root];
  let words: { text: string; line: number }[] = [];
  let lastLine = 1;
  for (const token of tokens) {
    lastLine = token.line;
    const here = stack[stack.length - 1] as Directive[];
    if (token.kind === 'word') {
      words.push(token);
      continue;
    }
    if (token.kind === '}') {
      if (words.length > 0) return { kind: 'syntax', message: 'unexpected "}"', file, line: token.line };
      if (stack.length === 1) return { kind: 'syntax', message: 'unexpected "}"', file, line: token.line };
      stack.pop();
      continue;
    }
    const [first, ...rest] = words;
    if (!first) return { kind: 'syntax', message: `unexpected "${token.kind}"`, file, line: token.line };
    const directive: Directive = { name: first.text, args: rest.map((w) => w.text), file, line: first.line };
    here.push(directive);
    words = [];
    if (token.kind === '{') {
      if (stack.length > MAX_BLOCK_DEPTH)
        return { kind: 'syntax', message: TOO_DEEP, file, line: token.line };
      directive.block = [];
      stack.push(directive.block);
    }
  }
  if (words.length > 0) {
    return { kind: 'syntax', message: 'unexpected end of file, expecting ";" or "}"', file, line: lastLine };
  }
  if (stack.length > 1) {
    return { kind: 'syntax', message: 'unexpected end of file, expecting "}"', file, line: lastLine };
  }
  return root;
}

function isError(value: unknown): value is NginxParseError {
  return typeof value === 'object' && value !== null && 'kind' in value && 'message' in value;
}

/**
 * Parses the main configuration file and every file it includes. Relative include paths are resolved
 * against the configuration prefix, the main file's directory (/etc/nginx for /etc/nginx/nginx.conf),
 * as nginx does; wildcard includes expand in sorted order and may match nothing.
 */
export function parseNginx(mainPath: string, read: ReadFile, glob: Glob): NginxResult {
  const prefix = posix.dirname(mainPath);
  const files: string[] = [];
  const missing: MissingInclude[] = [];

  // `depth`: the blocks around the directives being expanded, in this file and the files that include it.
  const load = (
    path: string,
    text: string,
    chain: string[],
    depth: number,
  ): Directive[] | NginxParseError => {
    files.push(path);
    const parsed = parseNginxText(text, path);
    if (isError(parsed)) return parsed;
    return expand(parsed, [...chain, path], depth);
  };

  const expand = (directives: Directive[], chain: string[], depth: number): Directive[] | NginxParseError => {
    const out: Directive[] = [];
    for (const d of directives) {
      if (d.name === 'include' && !d.block && d.args.length === 1) {
        const pattern = d.args[0] as string;
        const path = posix.isAbsolute(pattern) ? pattern : posix.join(prefix, pattern);
        const targets = GLOB_CHARS.test(path) ? [...glob(path)].sort() : [path];
        for (const target of targets) {
          if (chain.includes(target) || chain.length >= MAX_INCLUDE_DEPTH) {
            return {
              kind: 'include',
              message: `include cycle through ${target}`,
              file: d.file,
              line: d.line,
            };
          }
          const text = read(target);
          if (text === undefined) {
            missing.push({ pattern, path: target, file: d.file, line: d.line });
            continue;
          }
          const included = load(target, text, chain, depth);
          if (isError(included)) return included;
          out.push(...included);
        }
        continue;
      }
      if (d.block) {
        if (depth >= MAX_BLOCK_DEPTH)
          return { kind: 'syntax', message: TOO_DEEP, file: d.file, line: d.line };
        const inner = expand(d.block, chain, depth + 1);
        if (isError(inner)) return inner;
        out.push({ ...d, block: inner });
      } else {
        out.push(d);
      }
    }
    return out;
  };

  const text = read(mainPath);
  if (text === undefined) {
    return {
      ok: false,
      error: { kind: 'read', message: `cannot read ${mainPath}`, file: mainPath, line: 0 },
    };
  }
  const directives = load(mainPath, text, [], 0);
  if (isError(directives)) return { ok: false, error: directives };
  return { ok: true, config: { directives, files, missing } };
}

// The longest name of a file (NAME_MAX): a longer path segment is no file's name.
const NAME_MAX = 255;

/** Whether a path matches a glob(3) pattern: `*` and `?` stay within one path segment and skip dotfiles. */
export function matchesGlob(pattern: string, path: string): boolean {
  const patternParts = pattern.split('/');
  const pathParts = path.split('/');
  if (patternParts.length !== pathParts.length) return false;
  return patternParts.every((part, i) => {
    const name = pathParts[i] as string;
    if (!GLOB_CHARS.test(part)) return part === name;
    if (name.startsWith('.') && !part.startsWith('.')) return false;
    return name.length <= NAME_MAX && segmentMatches(part, name);
  });
}

/** One character of a name, or any run of them ("*"). */
type GlobToken = '*' | ((c: string) => boolean);

/** The class of "[abc]", "[a-z]", "[!a-z]" (or "[^a-z]") without its brackets ("]" first is a character). */
function globClass(body: string): (c: string) => boolean {
  const negated = body.startsWith('!') || body.startsWith('^');
  const chars = negated ? body.slice(1) : body;
  const ranges: [string, string][] = [];
  for (let k = 0; k < chars.length; k++) {
    const from = chars[k] as string;
    const to = chars[k + 2];
    // A range written backwards ("z-a") holds no character, as in glob(3).
    if (chars[k + 1] === '-' && to !== undefined) {
      ranges.push([from, to]);
      k += 2;
    } else ranges.push([from, from]);
  }
  return (c) => ranges.some(([from, to]) => from <= c && c <= to) !== negated;
}

/**
 * One segment of a pattern against one name, by the prefixes of the name the pattern can match so far rather
 * than by a regular expression: "*a*a*a*a*a*a*a*b" made a regex backtrack for 20 s on a name of 60 letters.
 */
function segmentMatches(part: string, name: string): boolean {
  const tokens: GlobToken[] = [];
  for (let j = 0; j < part.length; j++) {
    const c = part[j] as string;
    const end = c === '[' ? part.indexOf(']', j + 2) : -1;
    if (c === '*') {
      if (tokens[tokens.length - 1] !== '*') tokens.push('*');
    } else if (c === '?') tokens.push(() => true);
    else if (end !== -1) {
      tokens.push(globClass(part.slice(j + 1, end)));
      j = end;
    } else tokens.push((x) => x === c);
  }
  if (tokens.filter((t) => t !== '*').length > name.length) return false;
  // reach[k]: the tokens so far can match the first k characters of the name.
  let reach = Array.from({ length: name.length + 1 }, (_, k) => k === 0);
  for (const token of tokens) {
    const next = new Array<boolean>(name.length + 1).fill(false);
    for (let k = 0; k <= name.length; k++) {
      next[k] =
        token === '*'
          ? (reach[k] as boolean) || (k > 0 && (next[k - 1] as boolean))
          : k > 0 && (reach[k - 1] as boolean) && token(name[k - 1] as string);
    }
    reach = next;
  }
  return reach[name.length] as boolean;
}

// nginx -T prints this line before the contents of each file it read.
const DUMP_MARKER = /^# configuration file (\/.*):$/;

/** The files of an `nginx -T` dump, by path, in the order they were dumped (the main file first). */
export function filesOfDump(text: string): Map<string, string> {
  const files = new Map<string, string>();
  let current: string | null = null;
  let lines: string[] = [];
  const flush = () => {
    // nginx -T separates files with one empty line; it belongs to no file.
    if (current !== null && !files.has(current)) {
      if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
      files.set(current, lines.join('\n'));
    }
  };
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const m = DUMP_MARKER.exec(line);
    if (m) {
      flush();
      current = m[1] as string;
      lines = [];
    } else if (current !== null) {
      lines.push(line);
    }
  }
  flush();
  return files;
}

/** Parses the output of `nginx -T`, resolving includes among the dumped files. */
export function parseNginxDump(text: string): NginxResult {
  const files = filesOfDump(text);
  const main = files.keys().next().value;
  if (main === undefined) {
    return {
      ok: false,
      error: { kind: 'read', message: 'no "# configuration file" section in the dump', file: '-', line: 0 },
    };
  }
  const paths = [...files.keys()];
  return parseNginx(
    main,
    (path) => files.get(path),
    (pattern) => paths.filter((p) => matchesGlob(pattern, p)),
  );
}

/** Every directive of a tree, depth first, with the chain of enclosing block directives. */
export function* walk(
  directives: Directive[],
  parents: Directive[] = [],
): Generator<{ directive: Directive; parents: Directive[] }> {
  // A stack of the blocks being read, not one generator per level: through nested generators each directive
  // is handed up through every level above it, which blocks nested thousands deep made quadratic.
  const stack = [{ block: directives, next: 0, parents }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as (typeof stack)[number];
    const directive = top.block[top.next++];
    if (directive === undefined) {
      stack.pop();
      continue;
    }
    yield { directive, parents: top.parents };
    if (directive.block)
      stack.push({ block: directive.block, next: 0, parents: [...top.parents, directive] });
  }
}
