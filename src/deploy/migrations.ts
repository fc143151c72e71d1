// What a release knows about the database schema, read from its migration files: its head, every migration
// it has (a rollback target must know the revision the database is at), and which ones cannot be undone.
import { join, posix } from 'node:path';
import type { MigrationTool } from '../discover/project.ts';
import { alembicHeads } from '../discover/project.ts';
import { listDir, pathExists, readText } from '../host/files.ts';
import { lastMigration } from '../host/postgres.ts';

export interface ReleaseMigrations {
  tool: MigrationTool;
  /** Alembic: the head revision(s); Django: the newest migration of each app ("notes.0002_note_words"). */
  head: string | null;
  /** Every migration the release has: Alembic revision ids, Django "app.name". */
  known: string[];
  /** Of those, the ones whose undo does nothing or refuses: a rollback past them needs a restore. */
  irreversible: { id: string; why: string }[];
  /** Alembic: each revision's down_revision(s). The database stores only its heads; these say what is below. */
  parents: Record<string, string[]>;
}

/** The body of a top-level `def NAME(...)`: its indented lines, up to the next top-level statement. */
function functionBody(text: string, name: string): string[] | null {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^def ${name}\\s*\\(`).test(l));
  if (start < 0) return null;
  // the signature may run over several lines; it ends with ":" (and perhaps a comment)
  let i = start;
  while (i < lines.length && !/:\s*(#.*)?$/.test(lines[i] ?? '')) i++;
  const body: string[] = [];
  for (i++; i < lines.length; i++) {
    const l = lines[i] ?? '';
    if (l.trim() !== '' && !/^\s/.test(l)) break;
    body.push(l);
  }
  return body;
}

/** The statements of a body, without comments, docstrings and blank lines. */
function statements(body: string[]): string[] {
  return body
    .join('\n')
    .replace(/("""|''')[\s\S]*?\1/g, '')
    .split('\n')
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter(Boolean);
}

const EMPTY = /^(pass|\.\.\.)$/;

/** Why an Alembic revision cannot be downgraded, or null when its downgrade() undoes something. */
export function alembicIrreversible(script: string): string | null {
  const down = functionBody(script, 'downgrade');
  if (!down) return 'it has no downgrade()';
  const body = statements(down);
  if (body.some((s) => /^raise\b/.test(s))) return 'downgrade() raises';
  const up = statements(functionBody(script, 'upgrade') ?? []);
  const does = (s: string[]) => s.some((l) => !EMPTY.test(l));
  if (does(up) && !does(body)) return 'downgrade() does nothing while upgrade() changes the database';
  return null;
}

/** The text of each call `NAME(` ... `)` in a Python file, parentheses balanced, strings and comments skipped. */
function calls(text: string, name: RegExp): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(name)) {
    let depth = 0;
    let i = (m.index ?? 0) + m[0].length - 1;
    const start = i + 1;
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === '#') {
        while (i < text.length && text[i] !== '\n') i++;
        continue;
      }
      if (c === '"' || c === "'") {
        const triple = text.startsWith(c.repeat(3), i);
        const end = triple ? text.indexOf(c.repeat(3), i + 3) : text.indexOf(c, i + 1);
        if (end < 0) break;
        i = end + (triple ? 2 : 0);
        continue;
      }
      if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']' || c === '}') {
        depth--;
        if (depth === 0) {
          out.push(text.slice(start, i));
          break;
        }
      }
    }
  }
  return out;
}

/** Top-level arguments of a call's text, comments dropped. */
function argumentsOf(call: string): string[] {
  const args: string[] = [];
  let depth = 0;
  let cur = '';
  const text = call.replace(/#.*$/gm, '');
  for (const c of text) {
    if ('([{'.includes(c)) depth++;
    if (')]}'.includes(c)) depth--;
    if (c === ',' && depth === 0) {
      args.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (cur.trim()) args.push(cur.trim());
  return args;
}

/** Why a Django migration cannot be unapplied (RunPython or RunSQL without their reverse), or null. */
export function djangoIrreversible(migration: string): string | null {
  for (const [op, reverse, code] of [
    ['RunPython', 'reverse_code', 'code'],
    ['RunSQL', 'reverse_sql', 'sql'],
  ] as const) {
    for (const call of calls(migration, new RegExp(`\\b${op}\\(`, 'g'))) {
      const args = argumentsOf(call);
      const positional = args.filter((a) => !/^\w+\s*=/.test(a));
      const named = (n: string) => args.find((a) => new RegExp(`^${n}\\s*=`).test(a));
      const rev = named(reverse) ?? (named(code) ? undefined : positional[1]);
      if (!rev || /=\s*None$/.test(rev) || rev === 'None') return `${op} without ${reverse}`;
    }
  }
  return null;
}

/** The migrations in a release directory, for the tool discovery found (migrations dir relative to it). */
export async function releaseMigrations(
  dir: string,
  m: { tool: MigrationTool; dir: string },
): Promise<ReleaseMigrations> {
  const read = async (d: string) => (await listDir(d)).sort();
  if (m.tool === 'django') {
    const known: string[] = [];
    const irreversible: ReleaseMigrations['irreversible'] = [];
    const heads: string[] = [];
    for (const app of await read(dir)) {
      const mdir = join(dir, app, 'migrations');
      if (app.startsWith('.') || !pathExists(join(mdir, '__init__.py'))) continue;
      const files = (await read(mdir)).filter((f) => /^\d{4}_\w+\.py$/.test(f));
      for (const f of files) {
        const id = `${app}.${f.slice(0, -3)}`;
        known.push(id);
        const why = djangoIrreversible((await readText(join(mdir, f))) ?? '');
        if (why) irreversible.push({ id, why });
      }
      const last = files.at(-1);
      if (last) heads.push(`${app}.${last.slice(0, -3)}`);
    }
    return { tool: m.tool, head: heads.join(', ') || null, known, irreversible, parents: {} };
  }
  const vdir = join(dir, m.dir, 'versions');
  const scripts = await Promise.all(
    (await read(vdir))
      .filter((f) => f.endsWith('.py'))
      .map(async (f) => (await readText(join(vdir, f))) ?? ''),
  );
  const known: string[] = [];
  const irreversible: ReleaseMigrations['irreversible'] = [];
  const parents: Record<string, string[]> = {};
  for (const s of scripts) {
    const rev = /^revision(?:\s*:\s*\w+)?\s*=\s*['"]([^'"]+)['"]/m.exec(s)?.[1];
    if (!rev) continue;
    known.push(rev);
    const down = /^down_revision(?:\s*:[^=]+)?\s*=\s*(.+)$/m.exec(s)?.[1] ?? '';
    parents[rev] = [...down.matchAll(/['"]([^'"]+)['"]/g)].map((d) => d[1] ?? '');
    const why = alembicIrreversible(s);
    if (why) irreversible.push({ id: rev, why });
  }
  return { tool: m.tool, head: alembicHeads(scripts).join(', ') || null, known, irreversible, parents };
}

/**
 * The migrations the database has applied: Alembic's current revision(s), or Django's rows of the apps the
 * release has (the framework's own apps are not the release's business). Null when the database cannot say.
 */
export async function appliedMigrations(
  url: string,
  rel: ReleaseMigrations,
  timeoutMs: number,
): Promise<string[] | null> {
  const r = await lastMigration(url, rel.tool === 'django' ? 'django' : 'alembic', timeoutMs);
  if (!r.ok) return r.error.kind === 'no_migration_table' ? [] : null;
  if (r.value.tool === 'alembic') return r.value.revisions;
  const apps = new Set(rel.known.map((k) => k.split('.')[0]));
  return r.value.applied.filter((a) => apps.has(a.split('.')[0]));
}

/** Migrations the database has that `target` does not know: a rollback to it runs code older than the schema. */
export function unknownTo(applied: string[], target: ReleaseMigrations): string[] {
  return applied.filter((a) => !target.known.includes(a));
}

/** The release's migrations the database has not applied yet, in file order, with why each cannot be undone. */
export function pendingOf(rel: ReleaseMigrations, applied: string[]): { id: string; why: string | null }[] {
  const done = new Set<string>();
  if (rel.tool === 'django') for (const a of applied) done.add(a);
  else {
    // Alembic's table holds the heads only: everything below them is applied too.
    const stack = [...applied];
    while (stack.length > 0) {
      const r = stack.pop() ?? '';
      if (done.has(r)) continue;
      done.add(r);
      stack.push(...(rel.parents[r] ?? []));
    }
  }
  return rel.known
    .filter((k) => !done.has(k))
    .map((id) => ({ id, why: rel.irreversible.find((i) => i.id === id)?.why ?? null }));
}

/** The command that takes the database back to what `target` knows, run from the live release. */
export function downgradeCommand(
  live: { dir: string; python: string | null; user: string; tool: MigrationTool },
  target: ReleaseMigrations,
  unknown: string[],
): string {
  const bin = posix.dirname(live.python ?? '.venv/bin/python');
  if (live.tool === 'django') {
    const apps = [...new Set(unknown.map((u) => u.split('.')[0] ?? ''))];
    return apps
      .map((app) => {
        const to =
          target.known
            .filter((k) => k.startsWith(`${app}.`))
            .at(-1)
            ?.split('.')[1] ?? 'zero';
        return `cd ${live.dir} && sudo -u ${live.user} ${live.python ?? 'python3'} manage.py migrate ${app} ${to}`;
      })
      .join(' && ');
  }
  const to = target.head?.split(', ')[0] ?? 'base';
  return live.tool === 'flask-migrate'
    ? `cd ${live.dir} && sudo -u ${live.user} ${bin}/flask db downgrade ${to}`
    : `cd ${live.dir} && sudo -u ${live.user} ${bin}/alembic downgrade ${to}`;
}
