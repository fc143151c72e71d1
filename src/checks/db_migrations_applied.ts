import { posix } from 'node:path';
import { alembicHeads } from '../discover/project.ts';
import { lastMigration } from '../host/postgres.ts';
import { fail, pass, skip, type Check } from './types.ts';

/** `manage.py showmigrations --plan` lines not yet applied: "[ ]  notes.0002_note_words". */
export function unappliedDjango(output: string): string[] {
  return output
    .split('\n')
    .map((l) => /^\[ \]\s+(\S+)/.exec(l.trim())?.[1])
    .filter((x): x is string => Boolean(x));
}

export const check: Check = {
  meta: {
    id: 'db.migrations_applied',
    layer: 'database',
    title: "the database schema is at the code's latest migration (Alembic, Django, Flask-Migrate)",
    docs: 'Compares the heads of the Alembic scripts on disk with alembic_version, or lists Django\'s unapplied migrations with `manage.py showmigrations --plan` as the unit\'s user. Code that expects a column the database lacks fails on its first query ("column does not exist").',
  },
  async run(ctx) {
    const { service, host } = ctx;
    const m = service.project?.migrations;
    if (!m) return skip('no migrations found (Alembic, Django, Flask-Migrate)');
    const root = service.project?.root ?? '.';
    const python = service.python ?? 'python3';
    if (m.tool === 'django') {
      if (!ctx.canActAsUser()) return skip(`run medic as root to run manage.py as ${service.user}`);
      const r = await ctx.asUser([python, 'manage.py', 'showmigrations', '--plan'], {
        cwd: root,
        timeoutMs: Math.max(ctx.timeoutMs, 15_000),
      });
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
          [
            `cd ${root} && sudo -u ${service.user} ${python} manage.py migrate`,
            `systemctl restart ${service.unit}`,
          ],
        );
      return pass(`all ${total} Django migrations applied`);
    }
    const url = ctx.databaseUrl();
    if (!url) return skip('no PostgreSQL URL in the unit environment');
    const dir = posix.join(root, m.dir, 'versions');
    const files = ((await host.readdir(dir)) ?? []).filter((f) => f.endsWith('.py'));
    const scripts = await Promise.all(files.map((f) => host.readFile(posix.join(dir, f))));
    const heads = alembicHeads(scripts.filter((s): s is string => s !== undefined));
    if (heads.length === 0) return skip(`no Alembic revisions in ${dir}`);
    const r = await lastMigration(url, 'alembic', ctx.timeoutMs);
    const upgrade =
      m.tool === 'flask-migrate'
        ? `cd ${root} && sudo -u ${service.user} ${service.venv ?? '.venv'}/bin/flask db upgrade`
        : `cd ${root} && sudo -u ${service.user} ${service.venv ?? '.venv'}/bin/alembic upgrade head`;
    if (!r.ok) {
      if (r.error.kind === 'no_migration_table')
        return fail(
          'the database has no alembic_version table: no migration was ever applied',
          [],
          [upgrade],
        );
      return skip(`cannot read alembic_version (${r.error.kind}): see db.reachable`);
    }
    if (r.value.tool !== 'alembic') return skip('unexpected answer');
    const current = r.value.revisions;
    const behind = heads.filter((h) => !current.includes(h));
    if (behind.length > 0)
      return fail(
        `the database is at ${current.join(', ') || 'no revision'}, the code's head is ${heads.join(', ')}`,
        [`${files.length} revisions in ${dir}`],
        [upgrade, `systemctl restart ${service.unit}`],
      );
    return pass(`at head ${heads.join(', ')}`);
  },
};
