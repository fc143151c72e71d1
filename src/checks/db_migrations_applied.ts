import { posix } from 'node:path';
import { alembicHeads, alembicRevision, type MigrationTool } from '../discover/project.ts';
import type { Service } from '../discover/service.ts';
import { type AppliedMigration, lastMigration, type MigrationFailure } from '../host/postgres.ts';
import type { ProbeResult } from '../host/probe.ts';
import { defineCheck, fail, type Output, pass, skip, type Verdict, warn } from './types.ts';

/** `manage.py showmigrations --plan` lines not yet applied: "[ ]  notes.0002_note_words". */
export function unappliedDjango(output: string): string[] {
  return output
    .split('\n')
    .map((l) => /^\[ \]\s+(\S+)/.exec(l.trim())?.[1])
    .filter((x): x is string => Boolean(x));
}

export interface MigrationsFacts {
  service: Pick<Service, 'user' | 'unit' | 'python' | 'venv' | 'project'>;
  canActAsUser: boolean;
  /** Django: `manage.py showmigrations --plan` as the unit's user; null when it could not run. */
  showmigrations: Output | null;
  /** Alembic: the revision scripts on disk and the rows of alembic_version. */
  alembic: {
    dir: string;
    /** The text of each revision script in the versions directory. */
    scripts: string[];
    url: string | null;
    applied: ProbeResult<AppliedMigration, MigrationFailure> | null;
  } | null;
}

export const check = defineCheck<MigrationsFacts>({
  meta: {
    id: 'db.migrations_applied',
    layer: 'database',
    title: "the database schema is at the code's latest migration (Alembic, Django, Flask-Migrate)",
    docs: 'Compares the heads of the Alembic scripts on disk with alembic_version, or lists Django\'s unapplied migrations with `manage.py showmigrations --plan` as the unit\'s user. Code that expects a column the database lacks fails on its first query ("column does not exist").',
    runsAppPython: true,
  },
  async gather(ctx) {
    const { service, host } = ctx;
    const m = service.project?.migrations;
    const canActAsUser = ctx.canActAsUser();
    const facts: MigrationsFacts = { service, canActAsUser, showmigrations: null, alembic: null };
    if (!m) return facts;
    const root = service.project?.root ?? '.';
    if (m.tool === 'django') {
      if (!canActAsUser) return facts;
      facts.showmigrations =
        (await ctx.appProbePart('showMigrations')) ??
        (await ctx.asUser([service.python ?? 'python3', 'manage.py', 'showmigrations', '--plan'], {
          cwd: root,
          timeoutMs: Math.max(ctx.timeoutMs, 15_000),
        }));
      return facts;
    }
    const url = ctx.databaseUrl();
    const dir = posix.join(root, m.dir, 'versions');
    facts.alembic = { dir, scripts: [], url, applied: null };
    if (!url) return facts;
    const files = ((await host.readdir(dir)) ?? []).filter((f) => f.endsWith('.py'));
    const scripts = await Promise.all(files.map((f) => host.readFile(posix.join(dir, f))));
    facts.alembic.scripts = scripts.filter((s): s is string => s !== undefined);
    if (alembicHeads(facts.alembic.scripts).length > 0)
      facts.alembic.applied = await lastMigration(url, 'alembic', ctx.timeoutMs);
    return facts;
  },
  judge({ service, canActAsUser, showmigrations, alembic }) {
    const m = service.project?.migrations;
    if (!m) return skip('no migrations found (Alembic, Django, Flask-Migrate)');
    if (m.tool === 'django' && !canActAsUser)
      return skip(`run medic as root to run manage.py as ${service.user}`);
    const root = service.project?.root ?? '.';
    const python = service.python ?? 'python3';
    return migrationsVerdict(m.tool, showmigrations, alembic, {
      migrate: [`cd ${root} && sudo -u ${service.user} ${python} manage.py migrate`],
      upgrade:
        m.tool === 'flask-migrate'
          ? `cd ${root} && sudo -u ${service.user} ${service.venv ?? '.venv'}/bin/flask db upgrade`
          : `cd ${root} && sudo -u ${service.user} ${service.venv ?? '.venv'}/bin/alembic upgrade head`,
      restart: `systemctl restart ${service.unit}`,
      where: 'the unit environment',
      reachCheck: 'db.reachable',
    });
  },
});

/** The commands that bring a schema up to date where the app runs (a unit's user, a container). */
export interface MigrationFix {
  /** Django's migrate. */
  migrate: string[];
  /** Alembic's or Flask-Migrate's upgrade. */
  upgrade: string;
  /** What makes the app run on the new schema. */
  restart: string;
  /** Where the database URL was looked for, for a skip that says so. */
  where: string;
  /** The check that says why the database does not answer. */
  reachCheck: string;
}

/**
 * The verdict on a schema against the code, wherever the facts come from: Django's `showmigrations --plan`,
 * or the Alembic revision scripts against alembic_version.
 */
export function migrationsVerdict(
  tool: MigrationTool,
  r: Output | null,
  alembic: MigrationsFacts['alembic'],
  fix: MigrationFix,
): Verdict {
  if (tool === 'django') {
    if (!r || r.code !== 0)
      return fail(
        'manage.py showmigrations fails',
        [(r?.stderr ?? '').trim().split('\n').pop() ?? ''],
        [`medic check --only db.reachable,db.auth`],
      );
    const pending = unappliedDjango(r.stdout);
    const total = r.stdout.split('\n').filter((l) => /^\[[ X]\]/.test(l.trim())).length;
    if (pending.length > 0)
      return fail(
        `${pending.length} Django migration${pending.length === 1 ? '' : 's'} not applied: ${pending.slice(0, 3).join(', ')}`,
        pending,
        [...fix.migrate, fix.restart],
      );
    return pass(`all ${total} Django migrations applied`);
  }
  if (!alembic?.url) return skip(`no PostgreSQL URL in ${fix.where}`);
  const heads = alembicHeads(alembic.scripts);
  if (heads.length === 0) return skip(`no Alembic revisions in ${alembic.dir}`);
  const a = alembic.applied;
  if (!a) return skip('could not read alembic_version');
  if (!a.ok) {
    if (a.error.kind === 'no_migration_table')
      return fail(
        'the database has no alembic_version table: no migration was ever applied',
        [],
        [fix.upgrade],
      );
    return skip(`cannot read alembic_version (${a.error.kind}): see ${fix.reachCheck}`);
  }
  if (a.value.tool !== 'alembic') return skip('unexpected answer');
  const current = a.value.revisions;
  // A revision these scripts do not have: a newer release migrated the database (this code was rolled back).
  const known = new Set(alembic.scripts.map(alembicRevision));
  const ahead = current.filter((r) => !known.has(r));
  if (ahead.length > 0)
    return warn(
      `the database is at ${ahead.join(', ')}, which this code's revisions do not know: a newer release migrated it`,
      [`${alembic.scripts.length} revisions in ${alembic.dir}, head ${heads.join(', ')}`],
      [
        `# run the release that knows ${ahead.join(', ')}, or take the database back from that release first (alembic downgrade ${heads.join(' ')})`,
      ],
    );
  const behind = heads.filter((h) => !current.includes(h));
  if (behind.length > 0)
    return fail(
      `the database is at ${current.join(', ') || 'no revision'}, the code's head is ${heads.join(', ')}`,
      [`${alembic.scripts.length} revisions in ${alembic.dir}`],
      [fix.upgrade, fix.restart],
    );
  return pass(`at head ${heads.join(', ')}`);
}
