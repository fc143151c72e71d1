// The project on disk: its framework, what it requires (Python version, packages), how it migrates its
// database, which environment variables its code reads, and which directories it writes to.
import { posix } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { satisfies as pep440Satisfies, valid, validRange } from '@renovatebot/pep440';
import type { Host } from '../host/host.ts';

export type Framework = 'django' | 'flask' | 'fastapi' | 'starlette' | 'unknown';
export type MigrationTool = 'alembic' | 'django' | 'flask-migrate';

export interface EnvRead {
  name: string;
  /** Read without a default: the app fails (KeyError, ImproperlyConfigured) when it is missing. */
  required: boolean;
  /** The literal default given in the code, when it has one. */
  default?: string;
  /** file:line of the first read. */
  where: string;
}

export interface Requirement {
  name: string;
  /** The version specifier as written: "==2.2.2", ">=1.4,<2". Empty for a bare name. */
  spec: string;
  line: string;
}

export interface Project {
  root: string;
  framework: Framework;
  /** Django's settings module (DJANGO_SETTINGS_MODULE, or what manage.py sets). */
  settingsModule?: string;
  /** requirements*.txt, pyproject.toml, lock files, relative to root. */
  requirementFiles: string[];
  lockFile?: string;
  requirements: Requirement[];
  /** requires-python, runtime.txt or .python-version, and where it was found. */
  python?: { spec: string; from: string };
  migrations?: { tool: MigrationTool; dir: string };
  envReads: EnvRead[];
  /** Directories the app writes to: upload, media, log directories it names. */
  writable: string[];
  /** The environment variables that hold the database and Redis URLs. */
  databaseUrlVar?: string;
  redisUrlVar?: string;
}

const SKIP_DIRS = new Set([
  '.git',
  '.hg',
  '.venv',
  'venv',
  'env',
  '.tox',
  'node_modules',
  '__pycache__',
  'site-packages',
  'static',
  'staticfiles',
  'media',
  'tests',
  'test',
  'migrations',
  'alembic',
  'docs',
]);
const MAX_FILES = 400;
const MAX_DEPTH = 4;

export const DB_URL_NAMES = ['DATABASE_URL', 'SQLALCHEMY_DATABASE_URI', 'POSTGRES_URL', 'DB_URL'];
export const REDIS_URL_NAMES = [
  'REDIS_URL',
  'CELERY_BROKER_URL',
  'BROKER_URL',
  'CACHE_URL',
  'RQ_REDIS_URL',
  'CELERY_RESULT_BACKEND',
];

/** Environment variable reads in Python source: os.environ[..], os.environ.get, os.getenv, django-environ, decouple. */
export function envReadsOf(source: string, file = 'source'): EnvRead[] {
  const out = new Map<string, EnvRead>();
  const lines = source.split('\n');
  const patterns: { re: RegExp; required: (m: RegExpExecArray) => boolean; def: number }[] = [
    // os.environ["X"] (not an assignment os.environ["X"] = ...)
    { re: /\benviron\[\s*(['"])([A-Z][A-Z0-9_]*)\1\s*\](?!\s*=[^=])/g, required: () => true, def: -1 },
    // os.environ.get("X"), os.environ.get("X", default), os.getenv("X", default)
    {
      re: /\b(?:environ\.get|getenv)\(\s*(['"])([A-Z][A-Z0-9_]*)\1\s*(?:,\s*(?:(['"])([^'"]*)\3|[^)]))?/g,
      required: () => false,
      def: 4,
    },
    // env("X"), env.str("X"), env.bool("X", default=...), config("X", default=...) (django-environ, decouple)
    {
      re: /\b(?:env(?:\.(?:str|bool|int|float|list|db|url|cache_url|db_url|json))?|config)\(\s*(['"])([A-Z][A-Z0-9_]*)\1\s*(\)|,[^)]*)/g,
      required: (m) => m[3] === ')' || !/default\s*=|,\s*['"\d[]/.test(m[3] ?? ''),
      def: -1,
    },
  ];
  const setdefault = new Set(
    [...source.matchAll(/\benviron\.setdefault\(\s*(['"])([A-Z][A-Z0-9_]*)\1/g)].map((m) => m[2]),
  );
  lines.forEach((text, i) => {
    if (/^\s*#/.test(text)) return;
    for (const p of patterns) {
      for (const m of text.matchAll(p.re)) {
        const name = m[2] ?? '';
        if (!name || setdefault.has(name)) continue;
        const required = p.required(m as RegExpExecArray);
        const prev = out.get(name);
        const def = p.def > 0 ? m[p.def] : undefined;
        if (!prev) {
          out.set(name, {
            name,
            required,
            ...(def !== undefined ? { default: def } : {}),
            where: `${file}:${i + 1}`,
          });
        } else if (required && !prev.required) {
          out.set(name, { ...prev, required: true, where: `${file}:${i + 1}` });
        }
      }
    }
  });
  return [...out.values()];
}

/** requirements.txt lines: "Flask==2.2.2", "redis>=4; python_version>'3.8'", skipping options, URLs and includes. */
export function requirementsOf(text: string): Requirement[] {
  const out: Requirement[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+#.*$/, '').trim();
    if (!line || line.startsWith('#') || line.startsWith('-') || /^\w+\+?\w*:\/\//.test(line)) continue;
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*([^;@]*)/.exec(line);
    if (!m?.[1]) continue;
    out.push({ name: normaliseName(m[1]), spec: (m[3] ?? '').replace(/\s+/g, ''), line });
  }
  return out;
}

/** PEP 503 names: "Flask_SQLAlchemy" and "flask-sqlalchemy" are one package. */
export function normaliseName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

export interface PyProject {
  requiresPython?: string;
  dependencies: Requirement[];
}

/** requires-python and dependencies of a pyproject.toml (PEP 621, or Poetry's tool.poetry tables). */
export function pyprojectOf(text: string): PyProject | undefined {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const project = (doc.project ?? {}) as { 'requires-python'?: unknown; dependencies?: unknown };
  const poetry = ((doc.tool as Record<string, unknown> | undefined)?.poetry ?? {}) as {
    dependencies?: Record<string, unknown>;
  };
  const deps: Requirement[] = [];
  if (Array.isArray(project.dependencies))
    for (const d of project.dependencies) if (typeof d === 'string') deps.push(...requirementsOf(d));
  let requiresPython =
    typeof project['requires-python'] === 'string' ? project['requires-python'] : undefined;
  for (const [name, value] of Object.entries(poetry.dependencies ?? {})) {
    const spec = typeof value === 'string' ? value : ((value as { version?: string })?.version ?? '');
    if (name === 'python') requiresPython ??= poetrySpec(spec);
    else deps.push({ name: normaliseName(name), spec: poetrySpec(spec), line: `${name} = ${spec}` });
  }
  return { ...(requiresPython ? { requiresPython } : {}), dependencies: deps };
}

/** Poetry's "^3.11" and "~3.11" as PEP 440: ">=3.11,<4.0", ">=3.11,<3.12". */
function poetrySpec(spec: string): string {
  const caret = /^\^(\d+)(?:\.(\d+))?/.exec(spec);
  if (caret) return `>=${caret[1]}.${caret[2] ?? 0},<${Number(caret[1]) + 1}.0`;
  const tilde = /^~(\d+)\.(\d+)/.exec(spec);
  if (tilde) return `>=${tilde[1]}.${tilde[2]},<${tilde[1]}.${Number(tilde[2]) + 1}`;
  return spec === '*' ? '' : spec;
}

/** The heads of an Alembic history: revisions no other revision names as its down_revision. */
export function alembicHeads(scripts: string[]): string[] {
  const revisions = new Set<string>();
  const parents = new Set<string>();
  for (const text of scripts) {
    const rev = alembicRevision(text);
    if (!rev) continue;
    revisions.add(rev);
    const down = /^down_revision(?:\s*:[^=]+)?\s*=\s*(.+)$/m.exec(text)?.[1] ?? '';
    for (const m of down.matchAll(/['"]([^'"]+)['"]/g)) if (m[1]) parents.add(m[1]);
  }
  return [...revisions].filter((r) => !parents.has(r)).sort();
}

/** An Alembic script's own revision id (`revision = "0002"`). */
export function alembicRevision(script: string): string | undefined {
  return /^revision(?:\s*:\s*\w+)?\s*=\s*['"]([^'"]+)['"]/m.exec(script)?.[1];
}

/** "3.11.4" from runtime.txt's "python-3.11.4", or a .python-version's "3.11". */
export function pinnedPython(text: string): string | undefined {
  const m = /^\s*(?:python-)?(\d+\.\d+(?:\.\d+)?)\s*$/m.exec(text);
  return m?.[1];
}

/** Walks the project's own Python files (not the virtualenv, tests or migrations), bounded. */
async function pythonFiles(host: Host, root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH || out.length >= MAX_FILES) return;
    const entries = await host.readdir(dir);
    if (!entries) return;
    for (const name of entries.sort()) {
      if (out.length >= MAX_FILES) return;
      const path = posix.join(dir, name);
      if (name.endsWith('.py')) out.push(path);
      else if (!name.includes('.') && !SKIP_DIRS.has(name)) {
        const s = await host.stat(path);
        if (s?.isDirectory() && !(await host.stat(posix.join(path, 'pyvenv.cfg'))))
          await walk(path, depth + 1);
      }
    }
  };
  await walk(root, 0);
  return out;
}

const WRITABLE_NAME = /(?:UPLOAD|MEDIA|LOG|DATA|STORAGE|CACHE|TMP|TEMP|FILES?)S?_?(?:DIR|ROOT|PATH|FOLDER)$/;

/**
 * Reads the project at `root` the way a person new to it would: requirements, pyproject, runtime pins,
 * migration directories, settings and the code's environment reads.
 */
export async function projectOf(
  host: Host,
  root: string,
  env: Record<string, string>,
  hints: { module?: string } = {},
): Promise<Project> {
  const read = (p: string) => host.readFile(posix.join(root, p), 256 * 1024);
  const entries = (await host.readdir(root)) ?? [];

  const requirementFiles: string[] = [];
  const requirements: Requirement[] = [];
  const reqNames = entries.filter((e) => /^requirements.*\.txt$/.test(e));
  const reqDir = entries.includes('requirements')
    ? ((await host.readdir(posix.join(root, 'requirements'))) ?? [])
        .filter((e) => /(?:prod|production|base|main|deploy)\w*\.txt$/.test(e))
        .map((e) => `requirements/${e}`)
    : [];
  // requirements.txt, else the production file; dev and test requirements are not what runs.
  const chosen = reqNames.includes('requirements.txt')
    ? ['requirements.txt']
    : [...reqNames.filter((e) => !/dev|test|lint|doc/.test(e)), ...reqDir];
  for (const f of chosen) {
    const text = await read(f);
    if (text === undefined) continue;
    requirementFiles.push(f);
    requirements.push(...requirementsOf(text));
  }
  let python: Project['python'];
  const pyprojectText = entries.includes('pyproject.toml') ? await read('pyproject.toml') : undefined;
  if (pyprojectText !== undefined) {
    requirementFiles.push('pyproject.toml');
    const pp = pyprojectOf(pyprojectText);
    if (pp?.requiresPython) python = { spec: pp.requiresPython, from: 'pyproject.toml' };
    if (requirements.length === 0 && pp) requirements.push(...pp.dependencies);
  }
  for (const file of ['.python-version', 'runtime.txt']) {
    if (python || !entries.includes(file)) continue;
    const v = pinnedPython((await read(file)) ?? '');
    if (v) python = { spec: v.split('.').length > 2 ? `==${v}` : `==${v}.*`, from: file };
  }
  const lockFile = ['poetry.lock', 'uv.lock', 'Pipfile.lock', 'pdm.lock', 'requirements.lock'].find((f) =>
    entries.includes(f),
  );
  if (lockFile) requirementFiles.push(lockFile);

  const files = await pythonFiles(host, root);
  const envReads = new Map<string, EnvRead>();
  let settingsModule = env.DJANGO_SETTINGS_MODULE;
  const imports = new Set<string>();
  for (const path of files) {
    const text = await host.readFile(path, 256 * 1024);
    if (!text) continue;
    const rel = posix.relative(root, path);
    for (const r of envReadsOf(text, rel)) {
      const prev = envReads.get(r.name);
      if (!prev || (r.required && !prev.required)) envReads.set(r.name, r);
    }
    settingsModule ??= /environ\.setdefault\(\s*['"]DJANGO_SETTINGS_MODULE['"]\s*,\s*['"]([\w.]+)['"]/.exec(
      text,
    )?.[1];
    for (const m of text.matchAll(/^\s*(?:from|import)\s+(flask|fastapi|starlette|django)\b/gm))
      if (m[1]) imports.add(m[1]);
  }
  const reqSet = new Set(requirements.map((r) => r.name));
  const framework: Framework =
    settingsModule || entries.includes('manage.py') || reqSet.has('django')
      ? 'django'
      : imports.has('fastapi') || reqSet.has('fastapi')
        ? 'fastapi'
        : imports.has('flask') || reqSet.has('flask')
          ? 'flask'
          : imports.has('starlette') || reqSet.has('starlette')
            ? 'starlette'
            : hints.module && /django|wsgi:application/.test(hints.module)
              ? 'django'
              : 'unknown';

  let migrations: Project['migrations'];
  const rootIni = await read('alembic.ini');
  const flaskIni = rootIni === undefined ? await read('migrations/alembic.ini') : undefined;
  if (rootIni !== undefined) {
    const location = /^script_location\s*=\s*(.+)$/m.exec(rootIni)?.[1]?.trim() ?? 'alembic';
    migrations = {
      tool: reqSet.has('flask-migrate') ? 'flask-migrate' : 'alembic',
      dir: location.replace(/^%\(here\)s\/?/, '') || 'alembic',
    };
  } else if (flaskIni !== undefined) {
    migrations = { tool: 'flask-migrate', dir: 'migrations' };
  } else if (framework === 'django') {
    migrations = { tool: 'django', dir: '*/migrations' };
  }

  const values = {
    ...Object.fromEntries([...envReads.values()].flatMap((r) => (r.default ? [[r.name, r.default]] : []))),
    ...env,
  };
  const writable = [
    ...new Set(
      Object.entries(values)
        .filter(([k, v]) => WRITABLE_NAME.test(k) && v.startsWith('/') && !/STATIC/.test(k))
        .map(([, v]) => v.replace(/\/+$/, '')),
    ),
  ].sort();
  const names = new Set([...Object.keys(env), ...envReads.keys()]);
  return {
    root,
    framework,
    ...(settingsModule ? { settingsModule } : {}),
    requirementFiles,
    ...(lockFile ? { lockFile } : {}),
    requirements,
    ...(python ? { python } : {}),
    ...(migrations ? { migrations } : {}),
    envReads: [...envReads.values()].sort((a, b) => a.name.localeCompare(b.name)),
    writable,
    ...firstName(DB_URL_NAMES, names, 'databaseUrlVar'),
    ...firstName(REDIS_URL_NAMES, names, 'redisUrlVar'),
  };
}

function firstName<K extends string>(
  candidates: string[],
  names: Set<string>,
  key: K,
): Partial<Record<K, string>> {
  const found = candidates.find((n) => names.has(n));
  return found ? ({ [key]: found } as Partial<Record<K, string>>) : {};
}

/**
 * Whether a Python version meets a PEP 440 specifier (requires-python: ">=3.9,<3.13", "~=3.10", "==3.11.*").
 * A version or specifier that is not PEP 440 cannot be judged, and is not held against the project.
 */
export function satisfies(version: string, spec: string | undefined): boolean {
  if (!spec || !valid(version) || !validRange(spec)) return true;
  return pep440Satisfies(version, spec);
}
