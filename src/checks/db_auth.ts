import { fail, pass, skip, type Check } from './types.ts';

export const check: Check = {
  meta: {
    id: 'db.auth',
    layer: 'database',
    title: "the app's database user can log in to its database",
    docs: 'Logs in with the user, password and database of DATABASE_URL. "password authentication failed" after a password rotation, or a database that does not exist, stop the app at its first query.',
  },
  async run(ctx) {
    const url = ctx.databaseUrl();
    if (!url) return skip('no PostgreSQL URL in the unit environment');
    const r = await ctx.postgres();
    if (!r) return skip('no PostgreSQL URL');
    const user = /^[^:]+:\/\/([^:@/]*)/.exec(url)?.[1] ?? '';
    const db = /\/([^/?]+)(?:\?|$)/.exec(url.replace(/^[^@]*@/, ''))?.[1] ?? '';
    if (r.ok) return pass(`${user} logs in to ${db}`);
    if (r.error.kind === 'auth_failed')
      return fail(
        `PostgreSQL refuses the login of ${user}`,
        [r.error.message.split('\n')[0] ?? ''],
        [
          `sudo -u postgres psql -c "ALTER ROLE ${user} PASSWORD '…'"    # or put the current password in ${ctx.service.project?.databaseUrlVar ?? 'DATABASE_URL'}`,
          `systemctl restart ${ctx.service.unit}`,
        ],
      );
    if (r.error.kind === 'database_missing')
      return fail(
        `database ${db} does not exist`,
        [r.error.message.split('\n')[0] ?? ''],
        [`sudo -u postgres createdb -O ${user} ${db}`],
      );
    return skip(`not reachable (${r.error.kind}): see db.reachable`);
  },
};
