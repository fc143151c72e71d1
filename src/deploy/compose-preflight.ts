// Before the candidate runs: the deploy's checks on it, as a member of its compose project, and the project's
// migrations in a one-off container of the new image with the service's env and networks (`docker compose run
// --rm web alembic upgrade head`, as medic runs it). Both see the release itself, not the code on the host.
import { setTimeout as sleep } from 'node:timers/promises';
import { ContainerContext } from '../checks/docker/context.ts';
import { DOCKER_CHECKS } from '../checks/docker/index.ts';
import { migrationArgv, check as migrationsCheck } from '../checks/docker/migrations_applied.ts';
import { alembicHeads, alembicRevision } from '../discover/project.ts';
import { runChecks } from '../checks/run.ts';
import type { CheckResult } from '../checks/types.ts';
import { type ContainerInspect, inspectContainer } from '../host/docker.ts';
import { type ImageInspect, removeContainer, startContainer } from '../host/docker-write.ts';
import { localHost } from '../host/host.ts';
import { candidateSpec, createOn, lastLines } from './compose-candidate.ts';
import { type ComposeService, engineContainers } from './compose-service.ts';
import { DeployError } from './deploy.ts';

/** Of the checks that gate a deploy, those a candidate can fail: Nginx's upstream is the service's port, not its spare one. */
const PREFLIGHT = DOCKER_CHECKS.filter(
  (c) => c.meta.gatesDeploy && c.meta.id !== 'docker.upstream_published',
);

/**
 * The deploy's checks on the candidate, created and not started: its env against what its code reads, the
 * names its env uses resolving on its networks, the db and cache answering there, its volumes writable by its
 * user, its Python. It is checked with the live container's compose labels, so that its project's
 * containers are its siblings.
 */
export async function preflightCandidate(id: string, live: ContainerInspect): Promise<CheckResult[]> {
  const all = await engineContainers();
  const me = all.find((c) => c.Id === id);
  if (!me) throw new DeployError('preflight', 'the candidate container is gone');
  const summary = { ...me, Labels: { ...(live.Config.Labels ?? {}), ...me.Labels } };
  return runChecks(PREFLIGHT, new ContainerContext(localHost(), summary, all, 10_000));
}

const MIGRATE_MS = 600_000;

/**
 * The release's migrations, found in the candidate's working directory, run to their end in a one-off
 * container of the new image (the image's entrypoint, the service's env, volumes and networks, no port).
 * The lines the tool printed of what it applied; null when the release has no migrations.
 */
export async function migrateOneOff(
  s: ComposeService,
  candidate: string,
  live: ContainerInspect,
  liveImage: ImageInspect,
  image: string,
): Promise<{ argv: string[]; lines: string[] } | null> {
  const ctx = new ContainerContext(
    localHost(),
    { Id: candidate, Names: [], Image: image, State: 'created', Status: '', Labels: {} },
    [],
    10_000,
  );
  const tool = (await ctx.project())?.migrations?.tool;
  if (!tool) return null;
  const argv = migrationArgv(tool);
  const { spec, networks } = candidateSpec(live, liveImage.Config, {
    image,
    port: s.port,
    bind: { kind: 'tcp', host: '127.0.0.1', port: 0 },
    label: `${s.project}/${s.service}`,
  });
  const name = `${s.project}_${s.service}_medic-migrate`;
  await removeContainer(name, 0, 30_000);
  const id = await createOn(
    name,
    {
      ...spec,
      Cmd: argv,
      ExposedPorts: {},
      Healthcheck: { Test: ['NONE'] },
      HostConfig: { ...(spec.HostConfig as Record<string, unknown>), PortBindings: {} },
    },
    networks,
    'migrate',
  );
  try {
    const started = await startContainer(id, 30_000);
    if (!started.ok) throw new DeployError('migrate', `docker start failed: ${started.error.message}`);
    const end = Date.now() + MIGRATE_MS;
    let state: ContainerInspect['State'] | null = null;
    while (Date.now() < end) {
      const r = await inspectContainer(id, 5000);
      if (r.ok && !r.value.State.Running) {
        state = r.value.State;
        break;
      }
      await sleep(300);
    }
    const lines = await lastLines(id, 200);
    if (!state)
      throw new DeployError(
        'migrate',
        `${argv.join(' ')} still runs after ${MIGRATE_MS / 60_000} min`,
        lines.slice(-6),
      );
    if (state.ExitCode !== 0)
      throw new DeployError(
        'migrate',
        `${argv.join(' ')} failed (exit code ${state.ExitCode}${state.OOMKilled ? ', OOMKilled' : ''})`,
        lines.slice(-6),
      );
    return { argv, lines: lines.filter((l) => /Running upgrade|Applying /.test(l)) };
  } finally {
    await removeContainer(id, 0, 30_000);
  }
}

/** What a rollback's image knows of the schema the database is at. */
export type SchemaAgainst =
  | { kind: 'known' }
  /** Revisions applied that the image's code does not know: a newer release migrated the database. */
  | { kind: 'ahead'; ahead: string[]; heads: string[] }
  /** It could not be read: the reason. */
  | { kind: 'unread'; why: string };

/**
 * For a rollback: the database's Alembic revisions against the scripts in the candidate's image (created, not
 * started), read as docker.migrations_applied reads them. Django's migrations are listed by the running app,
 * which the candidate is not yet: they are not compared.
 */
export async function schemaAgainst(id: string, live: ContainerInspect): Promise<SchemaAgainst> {
  const all = await engineContainers();
  const me = all.find((c) => c.Id === id);
  if (!me) throw new DeployError('migrations', 'the candidate container is gone');
  const summary = { ...me, Labels: { ...(live.Config.Labels ?? {}), ...me.Labels } };
  const facts = await migrationsCheck.gather(new ContainerContext(localHost(), summary, all, 10_000));
  if (!facts.tool) return { kind: 'known' };
  if (facts.tool === 'django')
    return { kind: 'unread', why: "Django's migrations are not compared before the old image runs" };
  if (facts.dbUnreached) return { kind: 'unread', why: facts.dbUnreached };
  const a = facts.alembic?.applied;
  if (!a || !a.ok || a.value.tool !== 'alembic')
    return {
      kind: 'unread',
      why: a && !a.ok && a.error.kind !== 'no_migration_table' ? a.error.kind : 'no alembic_version to read',
    };
  const scripts = facts.alembic?.scripts ?? [];
  const known = new Set(scripts.map(alembicRevision));
  const ahead = a.value.revisions.filter((r) => !known.has(r));
  return ahead.length > 0 ? { kind: 'ahead', ahead, heads: alembicHeads(scripts) } : { kind: 'known' };
}
