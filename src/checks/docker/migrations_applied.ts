import { posix } from 'node:path';
import { alembicHeads, type MigrationTool } from '../../discover/project.ts';
import { lastMigration } from '../../host/postgres.ts';
import { type MigrationsFacts, migrationsVerdict } from '../db_migrations_applied.ts';
import { defineCheck, type Output, skip } from '../types.ts';
import { answering, type ContainerContext, envOf, SERVICE } from './context.ts';
import { serviceUrlOf } from './service-url.ts';

export interface DockerMigrationsFacts {
  name: string;
  service: string | null;
  running: boolean;
  /** Alembic, Flask-Migrate or Django, from the code in its working directory; null: none found. */
  tool: MigrationTool | null;
  /** Django: `manage.py showmigrations --plan` run in the container by the app probe. */
  showmigrations: Output | null;
  /** Alembic: the revision scripts in the image, and alembic_version read at the db container's address. */
  alembic: MigrationsFacts['alembic'];
  /** Why the database's name finds no container to ask (the db stopped, on another network). */
  dbUnreached: string | null;
}

/** A PostgreSQL URL as the host reaches it: the driver dropped, a compose service's name for its container's address. */
export function hostSideUrl(url: string, address: string | null): string | null {
  if (!/^postgres(?:ql)?(?:\+\w+)?:\/\//i.test(url)) return null;
  try {
    const u = new URL(url.replace(/^postgres(?:ql)?(?:\+\w+)?:/i, 'postgresql:'));
    if (address) u.hostname = address;
    return u.toString();
  } catch {
    return null;
  }
}

/**
 * The command that applies a project's migrations in its container: through the image's python3, which has
 * the tool as a module whether or not its console script is on the PATH.
 */
export function migrationArgv(tool: MigrationTool): string[] {
  return tool === 'django'
    ? ['python3', 'manage.py', 'migrate', '--noinput']
    : tool === 'flask-migrate'
      ? ['python3', '-m', 'flask', 'db', 'upgrade']
      : ['python3', '-m', 'alembic', 'upgrade', 'head'];
}

export const check = defineCheck<DockerMigrationsFacts, ContainerContext>({
  meta: {
    id: 'docker.migrations_applied',
    layer: 'database',
    title: "the database schema is at the image's latest migration (Alembic, Django, Flask-Migrate)",
    docs: "Finds the migrations in the image's working directory. Alembic: the heads of its revision scripts against alembic_version, read from the host at the address of the container that answers to DATABASE_URL's host on the app's network. Django: `manage.py showmigrations --plan` in the running container, through docker exec. An image deployed without its migrations fails on its first query (\"column does not exist\").",
    runsAppPython: true,
  },
  async gather(ctx) {
    const [c, project] = await Promise.all([ctx.inspect(), ctx.project()]);
    const m = project?.migrations;
    const facts: DockerMigrationsFacts = {
      name: ctx.name,
      service: c?.Config.Labels?.[SERVICE] ?? null,
      running: c?.State.Running === true,
      tool: m?.tool ?? null,
      showmigrations: null,
      alembic: null,
      dbUnreached: null,
    };
    if (!c || !m || !project) return facts;
    if (m.tool === 'django') {
      facts.showmigrations = (await ctx.appProbe())?.probe.showMigrations ?? null;
      return facts;
    }
    const env = envOf(c);
    const raw = project.databaseUrlVar ? env[project.databaseUrlVar] : env['DATABASE_URL'];
    const dir = posix.join(project.root, m.dir, 'versions');
    facts.alembic = { dir, scripts: [], url: null, applied: null };
    if (!raw) return facts;
    // a compose service's name (db) is asked at the address of the container that answers to it
    const named = serviceUrlOf([`DATABASE_URL=${raw}`], 'database');
    const found = named ? answering(c, await ctx.siblings(), named.name) : null;
    if (found && 'result' in found) {
      facts.dbUnreached = found.message;
      return facts;
    }
    facts.alembic.url = hostSideUrl(raw, found?.address ?? null);
    const files = await ctx.files();
    if (!files || !facts.alembic.url) return facts;
    const names = ((await files.readdir(dir)) ?? []).filter((f) => f.endsWith('.py'));
    const scripts = await Promise.all(names.map((f) => files.readFile(posix.join(dir, f))));
    facts.alembic.scripts = scripts.filter((s): s is string => s !== undefined);
    if (alembicHeads(facts.alembic.scripts).length > 0)
      facts.alembic.applied = await lastMigration(facts.alembic.url, 'alembic', ctx.timeoutMs);
    return facts;
  },
  judge({ name, service, running, tool, showmigrations, alembic, dbUnreached }) {
    if (!tool)
      return skip(`no migrations found in ${name}'s working directory (Alembic, Django, Flask-Migrate)`);
    if (dbUnreached)
      return skip(`cannot read alembic_version: ${dbUnreached} (see docker.services_reachable)`);
    if (tool === 'django' && !running)
      return skip(
        `${name} is not running: manage.py showmigrations runs in it (medic diagnose ${service ?? name})`,
      );
    const exec = service ? `docker compose exec ${service}` : `docker exec ${name}`;
    return migrationsVerdict(tool, showmigrations, alembic, {
      migrate: [`${exec} ${migrationArgv('django').join(' ')}`],
      upgrade: `${exec} ${migrationArgv(tool).join(' ')}`,
      restart: service ? `docker compose restart ${service}` : `docker restart ${name}`,
      where: `${name}'s env`,
      reachCheck: 'docker.services_reachable',
    });
  },
});
