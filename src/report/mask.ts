import { parseEnvFile } from '../app/envfile.ts';

// Secrets never leave the process: every report, alert and stored record goes through maskDeep first.

const MASK = '***';

// Names of variables and settings whose values are secrets.
const SECRET_NAME =
  /(?:PASS(?:WORD|WD)?|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIALS?|AUTH|SIGNING_KEY|DSN|SALT)/i;

const PATTERNS: [RegExp, string][] = [
  // scheme://user:password@host → scheme://user:***@host
  // (the password runs to the last "@" of the URL: rotated passwords carry "/" and "@" unescaped)
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@'"]*:)[^\s'"]+@([^\s@'"]*)/gi, `$1${MASK}@$2`],
  // a URL cut at an unescaped @ of its password: libpq's host name "tail-of-password@db" → "***@db"
  [/(\bhost(?: name)? ["'])[^"'\n]*@([^"'@\n]*["'])/g, `$1${MASK}@$2`],
  // NAME=value, NAME: value, "name": "value", name='value' for secret-looking names
  [
    /\b([\w.-]*(?:pass(?:word|wd)?|secret|token|api_?key|private_?key|credentials?|auth_?key|signing_key)[\w.-]*)(["']?\s*[=:]\s*)(["']?)([^\s"',;&}]+)/gi,
    `$1$2$3${MASK}`,
  ],
  // Authorization headers and bearer tokens
  [/\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}/g, `$1 ${MASK}`],
  // Well-known token shapes: Stripe, GitHub, GitLab, Slack, AWS, Google, JWTs, Django's generated keys
  [/\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{8,}/g, MASK],
  [
    /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}|\bgithub_pat_[A-Za-z0-9_]{20,}|\bglpat-[A-Za-z0-9_-]{20,}/g,
    MASK,
  ],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/g, MASK],
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, MASK],
  [/\bAIza[0-9A-Za-z_-]{35}\b/g, MASK],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, MASK],
  [/\bdjango-insecure-[^\s'"]+/g, MASK],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g, MASK],
];

/** Is this variable's value a secret? DATABASE_URL and REDIS_URL are not, but their passwords are. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name) && !/^(?:AUTH_USER_MODEL|PASSWORD_HASHERS|TOKEN_URL|AUTH_URL)$/i.test(name);
}

export class Masker {
  private known: string[] = [];

  /** Values read from env files and the unit's Environment=: masked wherever they appear. */
  addSecret(value: string): void {
    const v = value.trim();
    if (v.length >= 4 && !this.known.includes(v)) {
      this.known.push(v);
      // the longest first, so a secret that contains another is masked whole
      this.known.sort((a, b) => b.length - a.length);
    }
  }

  /** Adds the secret values of an env file's NAME=value lines, and the passwords in its URLs. */
  addEnvFile(text: string): void {
    for (const [name, value] of parseEnvFile(text)) {
      if (isSecretName(name)) this.addSecret(value);
      // The password of a URL runs to its last "@": rotated passwords carry "/" and "@" unescaped too.
      const url = /^[a-z][\w+.-]*:\/\/[^\s:/@]*:(.+)@[^@]*$/i.exec(value);
      if (url?.[1]) {
        const password = url[1];
        this.addSecret(password);
        // A URL that does not parse gets quoted in pieces ("Port could not be cast ... 'abc'").
        for (const piece of password.split(/[/@:?#]/)) this.addSecret(piece);
        try {
          this.addSecret(decodeURIComponent(password));
        } catch {
          // not percent-encoded: the raw value is masked already
        }
      }
    }
  }

  text(s: string): string {
    let out = s;
    for (const v of this.known) if (out.includes(v)) out = out.split(v).join(MASK);
    for (const [re, to] of PATTERNS) out = out.replace(re, to);
    return out;
  }

  /** Every string inside a value (objects, arrays), masked; the shape is kept. */
  deep<T>(value: T): T {
    return walk(value, (s) => this.text(s)) as T;
  }
}

/** Terminal control sequences in log lines (colour codes, cursor moves, title changes) made visible and inert. */
export function neutralise(s: string): string {
  return s.replace(
    // eslint-disable-next-line no-control-regex -- control characters are what this removes
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

export function neutraliseDeep<T>(value: T): T {
  return walk(value, neutralise) as T;
}

/** Masked, and control characters made inert: how a stored record leaves medic (a page, JSON, a terminal). */
export function safeDeep<T>(value: T, masker: Masker = new Masker()): T {
  return neutraliseDeep(masker.deep(value));
}

function walk(value: unknown, f: (s: string) => string): unknown {
  if (typeof value === 'string') return f(value);
  if (Array.isArray(value)) return value.map((v) => walk(v, f));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = walk(v, f);
    return out;
  }
  return value;
}
