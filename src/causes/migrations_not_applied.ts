import { type Cause, fromSignal, unitName } from './types.ts';

const SCHEMA_BEHIND = [
  /(?:column|Column) "?([\w.]+)"? (?:of relation "\w+" )?does not exist/,
  /relation "([\w.]+)" does not exist/,
  /no such table: ([\w.]+)/,
  /no such column: ([\w.]+)/,
  /Table '([\w.]+)' doesn't exist/,
  /Unknown column '([\w.]+)'/,
  /You have (\d+) unapplied migration\(s\)/,
  /Target database is not up to date/,
  /Can't locate revision identified by '(\w+)'/,
];

export const migrationsNotApplied: Cause = {
  meta: {
    id: 'migrations_not_applied',
    title: 'The code expects a database schema that its migrations have not created yet',
    layer: 'database',
    docs:
      'The release added a table or column and the migration step did not run (or ran against another ' +
      'database): queries fail with "column ... does not exist" / "relation ... does not exist" while ' +
      'the app itself starts.',
    degrades: true,
    worthMatching:
      /does not exist|no such table|no such column|doesn't exist|Unknown column|unapplied migration|not up to date|Can't locate revision/,
  },
  matchError(error) {
    for (const e of error.chain) {
      for (const re of SCHEMA_BEHIND) {
        const m = re.exec(e.message);
        if (m) return { object: m[1] ?? '' };
      }
    }
    return null;
  },
  matchLine(event) {
    for (const re of SCHEMA_BEHIND) {
      const m = re.exec(event.text);
      if (m) return { object: m[1] ?? '' };
    }
    return null;
  },
  decide: (evidence) => fromSignal('migrations_not_applied', evidence),
  fix(c, t) {
    const venv = t.venv ?? '/path/to/venv';
    const dir = t.workdir ?? '/srv/APP';
    return [
      `cd ${dir}`,
      `sudo -u ${t.user ?? 'www-data'} ${venv}/bin/python manage.py showmigrations | grep '\\[ \\]'   # Django`,
      `sudo -u ${t.user ?? 'www-data'} ${venv}/bin/alembic current   # Alembic`,
      `# with the unit's environment: set -a; . ${t.envFile ?? '.env'}; set +a; then 'manage.py migrate' or 'alembic upgrade head'`,
      `systemctl restart ${unitName(t)}`,
    ];
  },
};
