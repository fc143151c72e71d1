// systemd unit files as systemd reads them (systemd.syntax(7)): sections, key=value, line continuation,
// comments, list settings that accumulate and reset on an empty assignment, and drop-ins applied in order.
// Also the `systemctl cat UNIT` output, and the quoting rules of Exec*= command lines.
import type { EnvironmentFile, EnvironmentVariable } from './show.ts';

export interface UnitSource {
  path: string;
  text: string;
}

export interface UnitAssignment {
  section: string;
  key: string;
  value: string;
  file: string;
  /** 1-based line where the assignment starts (the first line of a continued one). */
  line: number;
}

/** A line systemd would log and ignore ("Assignment outside of section", "Missing '='"). */
export interface UnitProblem {
  file: string;
  line: number;
  message: string;
}

export interface SystemdUnit {
  /** The files applied, in order: the unit file, then its drop-ins. */
  files: string[];
  /** section → key → the assignments in effect: repeated keys accumulate, an empty value resets the list. */
  sections: Map<string, Map<string, UnitAssignment[]>>;
  problems: UnitProblem[];
}

const COMMENT = /^\s*[#;]/;

function emptyUnit(): SystemdUnit {
  return { files: [], sections: new Map(), problems: [] };
}

/** A line ends a continuation when it ends with a backslash that is not itself escaped. */
function endsEscaped(line: string): boolean {
  let escaped = false;
  for (const ch of line) escaped = escaped ? false : ch === '\\';
  return escaped;
}

function apply(unit: SystemdUnit, source: UnitSource): void {
  const file = source.path;
  unit.files.push(file);
  let section: string | null = null;
  const handle = (raw: string, line: number) => {
    const text = raw.trim();
    if (text === '') return;
    if (text.startsWith('[') && text.endsWith(']')) {
      section = text.slice(1, -1);
      return;
    }
    if (section === null) {
      unit.problems.push({ file, line, message: 'Assignment outside of section. Ignoring.' });
      return;
    }
    const eq = text.indexOf('=');
    if (eq === -1) {
      unit.problems.push({ file, line, message: "Missing '=', ignoring line." });
      return;
    }
    assign(unit, { section, key: text.slice(0, eq).trim(), value: text.slice(eq + 1).trim(), file, line });
  };
  // The lines of a continuation so far, each with its backslash made a space. They are joined once, at its
  // end: joining (and so copying) at each line made a continuation of thousands of lines quadratic.
  let pending: { parts: string[]; line: number } | null = null;
  const lines = source.text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    // systemd drops comment lines even between the lines of a continuation.
    if (COMMENT.test(line)) continue;
    // (what is pending ends with a space, so whether the whole ends escaped is whether this line does)
    if (endsEscaped(line)) {
      // The backslash becomes a space and the next line is appended as it is.
      const part = `${line.slice(0, -1)} `;
      if (pending) pending.parts.push(part);
      else pending = { parts: [part], line: i + 1 };
      continue;
    }
    if (pending) handle(pending.parts.join('') + line, pending.line);
    else handle(line, i + 1);
    pending = null;
  }
  // A file that ends inside a continuation still gives its last assignment.
  if (pending) handle(pending.parts.join(''), pending.line);
}

function assign(unit: SystemdUnit, assignment: UnitAssignment): void {
  const { section, key, value } = assignment;
  let keys = unit.sections.get(section);
  if (!keys) {
    keys = new Map();
    unit.sections.set(section, keys);
  }
  keys.set(key, value === '' ? [] : [...(keys.get(key) ?? []), assignment]);
}

/** A unit file and its drop-ins, applied in the order given (systemd's order: the unit, then drop-ins by name). */
export function parseUnitFiles(sources: UnitSource[]): SystemdUnit {
  const unit = emptyUnit();
  for (const source of sources) apply(unit, source);
  return unit;
}

export function parseUnitFile(text: string, path = 'unit'): SystemdUnit {
  return parseUnitFiles([{ path, text }]);
}

// "# /etc/systemd/system/x.service" or "# /etc/systemd/system/x.service.d/override.conf"
const CAT_HEADER =
  /^# (\/\S+\.(?:service|socket|timer|target|mount|automount|swap|path|slice|scope|device)|\/\S+\.d\/[^/\s]+\.conf)$/;

/** The files shown by `systemctl cat UNIT`; text before the first header (a pasted prompt) is ignored. */
export function filesOfSystemctlCat(text: string): UnitSource[] {
  const sources: UnitSource[] = [];
  let current: { path: string; lines: string[] } | null = null;
  let previousBlank = true;
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const header = CAT_HEADER.exec(line);
    // systemctl separates files with an empty line; a path comment right under a header is the file's own.
    if (header && (current === null || previousBlank)) {
      if (current) sources.push({ path: current.path, text: current.lines.join('\n') });
      current = { path: header[1] as string, lines: [] };
    } else if (current) {
      current.lines.push(line);
    }
    previousBlank = line.trim() === '';
  }
  if (current) sources.push({ path: current.path, text: current.lines.join('\n') });
  return sources;
}

export function parseSystemctlCat(text: string): SystemdUnit {
  return parseUnitFiles(filesOfSystemctlCat(text));
}

/** Every value in effect for a key, in order (ExecStartPre=, Environment=, After=, …). */
export function unitValues(unit: SystemdUnit, section: string, key: string): string[] {
  return (unit.sections.get(section)?.get(key) ?? []).map((a) => a.value);
}

/** The value in effect for a single-valued key: the last assignment wins. */
export function unitValue(unit: SystemdUnit, section: string, key: string): string | undefined {
  return unitAssignment(unit, section, key)?.value;
}

/** The assignment in effect for a single-valued key, with its file and line for evidence. */
export function unitAssignment(unit: SystemdUnit, section: string, key: string): UnitAssignment | undefined {
  const list = unit.sections.get(section)?.get(key);
  return list?.[list.length - 1];
}

export interface CommandLine {
  /** The special prefixes before the executable, as written: "-" ignore failure, "@" argv[0] given, "+", "!", "!!", ":", "|". */
  prefixes: string;
  /** The executable. */
  path: string;
  /** The arguments the process receives, argv[0] first. */
  argv: string[];
}

const C_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  s: ' ',
  '\\': '\\',
  '"': '"',
  "'": "'",
  // systemctl show quotes values the shell way, escaping "$" and "`" too.
  $: '$',
  '`': '`',
  // "\ " keeps a space inside a word, as the separator escape of systemd's word splitter does.
  ' ': ' ',
};

/** One C escape at s[i] (just after the backslash): the text it stands for and how many characters it used. */
function cEscape(s: string, i: number): { text: string; used: number } {
  const c = s[i] ?? '';
  const simple = C_ESCAPES[c];
  if (simple !== undefined) return { text: simple, used: 1 };
  const hex = c === 'x' ? /^[0-9a-fA-F]{2}/.exec(s.slice(i + 1)) : null;
  if (hex) return { text: String.fromCharCode(parseInt(hex[0], 16)), used: 3 };
  const uni =
    c === 'u'
      ? /^[0-9a-fA-F]{4}/.exec(s.slice(i + 1))
      : c === 'U'
        ? /^[0-9a-fA-F]{8}/.exec(s.slice(i + 1))
        : null;
  // A code point past U+10FFFF ("\\UFFFFFFFF") is no character: systemd rejects it, like the escapes below.
  const point = uni ? parseInt(uni[0], 16) : NaN;
  if (uni && point <= 0x10ffff) return { text: String.fromCodePoint(point), used: 1 + uni[0].length };
  const octal = /^[0-7]{3}/.exec(s.slice(i));
  if (octal) return { text: String.fromCharCode(parseInt(octal[0], 8)), used: 3 };
  // systemd rejects other escapes; keeping them as written shows the user what was there.
  return { text: `\\${c}`, used: 1 };
}

/**
 * Splits words the way systemd does for Exec*= and Environment=: whitespace separates, single and double
 * quotes group (anywhere in a word), C escapes are decoded inside and outside quotes. null when a quote
 * is left open, which systemd rejects.
 */
export function splitSystemdWords(s: string): string[] | null {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '\\' && i + 1 < s.length) {
      const e = cEscape(s, i + 1);
      word += e.text;
      inWord = true;
      i += e.used;
      continue;
    }
    if (quote) {
      if (c === quote) quote = null;
      else word += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
      continue;
    }
    if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    word += c;
    inWord = true;
  }
  if (quote) return null;
  if (inWord) words.push(word);
  return words;
}

/**
 * An Exec*= command line: its prefixes, executable and argv. "%%" becomes "%"; other specifiers and
 * $VARIABLES are left as written, since their values belong to the running unit.
 */
export function splitCommandLine(s: string): CommandLine | null {
  const trimmed = s.trim();
  const prefixes = /^[-@:+!|]*/.exec(trimmed)?.[0] ?? '';
  const words = splitSystemdWords(trimmed.slice(prefixes.length))?.map((w) => w.replace(/%%/g, '%'));
  if (!words || words.length === 0) return null;
  // With "@" the second word is the argv[0] the process sees instead of the executable's path.
  if (prefixes.includes('@')) {
    const [path, ...argv] = words;
    return { prefixes, path: path as string, argv };
  }
  return { prefixes, path: words[0] as string, argv: words };
}

/** EnvironmentFile= in effect, in order; "-" before the path makes a missing file no error. */
export function unitEnvironmentFiles(unit: SystemdUnit, section = 'Service'): EnvironmentFile[] {
  return unitValues(unit, section, 'EnvironmentFile').map((value) => {
    const optional = value.startsWith('-');
    return { path: optional ? value.slice(1).trimStart() : value, optional };
  });
}

/**
 * Environment= in effect: each assignment holds space-separated NAME=value words, quoted and C-escaped as
 * needed; a line systemd cannot split is ignored, as systemd does, and a later value of a name wins.
 */
export function unitEnvironment(unit: SystemdUnit, section = 'Service'): EnvironmentVariable[] {
  const byName = new Map<string, string>();
  for (const value of unitValues(unit, section, 'Environment')) {
    for (const word of splitSystemdWords(value) ?? []) {
      const eq = word.indexOf('=');
      if (eq > 0) byName.set(word.slice(0, eq), word.slice(eq + 1));
    }
  }
  return [...byName].map(([name, value]) => ({ name, value }));
}

const BRACED = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$\$/g;
const LONE_VARIABLE = /^\$([A-Za-z_][A-Za-z0-9_]*)$/;

/**
 * The command systemd runs for an Exec*= line, given the unit's environment: "${NAME}" anywhere in a word
 * becomes the value (one word), "$NAME" as a word of its own becomes the value split at whitespace, "$$" is
 * "$", and an unset variable is empty. The executable is never expanded, nor anything under the ":" prefix.
 */
export function expandCommandLine(command: CommandLine, env: Record<string, string>): CommandLine {
  if (command.prefixes.includes(':')) return command;
  // Only the environment's own names: "$constructor" or "${toString}" is an unset variable, not Object's.
  const value = (name: string) => (Object.hasOwn(env, name) ? env[name] : undefined);
  const braced = (word: string) =>
    word.replace(BRACED, (match, name: string | undefined) =>
      name === undefined ? '$' : (value(name) ?? ''),
    );
  // With "@" every word of argv is an argument; without, argv[0] is the executable itself.
  const first = command.prefixes.includes('@') ? 0 : 1;
  const argv = command.argv.slice(0, first);
  for (const word of command.argv.slice(first)) {
    const lone = LONE_VARIABLE.exec(word);
    if (lone) argv.push(...(value(lone[1] as string) ?? '').split(/\s+/).filter((w) => w !== ''));
    else argv.push(braced(word));
  }
  return { ...command, argv };
}

export interface SpecifierContext {
  /** The unit's full name, "app@blue.service". */
  unit: string;
  /** The home directory and name of the unit's User= (root for a system unit without one). */
  home?: string;
  user?: string;
}

/** systemd's unescaping of a unit name part: "-" is "/", "\xNN" a byte. */
function unescapeUnitName(text: string): string {
  return text.replace(/\\x([0-9a-fA-F]{2})|-/g, (match, hex: string | undefined) =>
    hex === undefined ? '/' : String.fromCharCode(parseInt(hex, 16)),
  );
}

/**
 * The specifiers of a system unit's setting, as systemd resolves them: %n %N %p %P %i %I %j %J %f, %h %u
 * when the user is known, the system directories %t %S %C %L %E %T %V, and "%%". Others stay as written.
 */
export function resolveSpecifiers(value: string, context: SpecifierContext): string {
  const full = context.unit;
  const dot = full.lastIndexOf('.');
  const withoutType = dot === -1 ? full : full.slice(0, dot);
  const at = withoutType.indexOf('@');
  const prefix = at === -1 ? withoutType : withoutType.slice(0, at);
  const instance = at === -1 ? '' : withoutType.slice(at + 1);
  const dash = prefix.lastIndexOf('-');
  const table: Record<string, string | undefined> = {
    n: full,
    N: withoutType,
    p: prefix,
    P: unescapeUnitName(prefix),
    i: instance,
    I: unescapeUnitName(instance),
    j: dash === -1 ? prefix : prefix.slice(dash + 1),
    J: unescapeUnitName(dash === -1 ? prefix : prefix.slice(dash + 1)),
    f: `/${unescapeUnitName(at === -1 ? prefix : instance).replace(/^\/+/, '')}`,
    h: context.home,
    u: context.user,
    t: '/run',
    S: '/var/lib',
    C: '/var/cache',
    L: '/var/log',
    E: '/etc',
    T: '/tmp',
    V: '/var/tmp',
    '%': '%',
  };
  return value.replace(/%(.)/g, (match, letter: string) => table[letter] ?? match);
}
