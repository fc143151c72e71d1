// medic deploy for a compose service, the same steps and guarantees as a unit's: lock, release (an image
// built from the service's build context, tagged REPO:medic-ID), the candidate container beside the live
// one (created, then preflight on it, then the migrations in a one-off container of the image, then started),
// health gate, switch, verify, watch, promote (compose runs the release: REPO:TAG names it and compose
// recreates the service while traffic is on the candidate, then traffic goes back to the service's port).
// A failure before the switch leaves the live container serving untouched; after it, traffic goes back.
import { join, resolve } from 'node:path';
import { formatBind } from '../app/bind.ts';
import { UsageError } from '../errors.ts';
import { type ContainerInspect, inspectContainer } from '../host/docker.ts';
import { buildImage, inspectImage, removeImage, tagImage } from '../host/docker-write.ts';
import {
  isDirectory,
  listDir,
  makeDir,
  removePath,
  renamePath,
  swapSymlink,
  writeText,
} from '../host/files.ts';
import { run } from '../host/run.ts';
import type { Health } from '../discover/service.ts';
import { candidateBind, DeployError, failedStep, type Outcome, startOutcome } from './deploy.ts';
import {
  type ReleaseMeta,
  currentRelease,
  META_FILE,
  prune,
  readMeta,
  releaseIdAt,
  releaseIds,
  takeLock,
} from './layout.ts';
import { currentUpstream, switchUpstream } from './nginx-switch.ts';
import { answerFrom, markResult, type Plan, switchTo, watchWindow } from './run.ts';
import { contextTar } from '../host/docker-context.ts';
import {
  candidateName,
  containerGate,
  createCandidate,
  serviceGate,
  lastLines,
  removeCandidates,
  startCandidate,
} from './compose-candidate.ts';
import {
  CANDIDATE_LABEL,
  type ComposeService,
  composeUp,
  engineContainers,
  liveInspect,
  RELEASE_LABEL,
} from './compose-service.ts';
import { takeSite } from './compose-site.ts';
import { migrateOneOff, preflightCandidate, schemaAgainst } from './compose-preflight.ts';
import { PROJECT, SERVICE } from '../checks/docker/context.ts';

export interface ComposeDeployOptions {
  svc: ComposeService;
  health: Health;
  windowMs: number;
  keep: number;
  /** Build the release's image, then stop: nothing runs, nothing moves, the image is removed. */
  dryRun: boolean;
  /** A rollback to an image that does not know the database's migrations goes ahead anyway. */
  force: boolean;
  say: (step: string, text: string) => void;
}

/** What medic keeps of a compose release beside the layout's fields: the image it is. */
export interface ComposeReleaseMeta extends ReleaseMeta {
  image: string;
}

const releaseTag = (id: string) => `medic-${id}`;
const GATE_MS = 60_000;

export async function runComposeDeploy(o: ComposeDeployOptions, plan: Plan): Promise<Outcome> {
  const { svc, say } = o;
  const layout = svc.layout;
  await makeDir(layout.releases);
  const lock = takeLock(layout, `${plan.kind} ${plan.source}`);
  if (lock.tookOver) say('lock', `took over the lock of pid ${lock.tookOver.pid}, which is gone`);
  const { outcome, warn } = startOutcome(null, say);

  let switched = false;
  let promoted = false;
  let oldImage: string | null = null;
  try {
    if (!o.dryRun) await recover(o);
    const live = await liveInspect(svc);
    if (!live) throw new DeployError('plan', `no container runs ${svc.project}/${svc.service}`);
    oldImage = live.Image;
    // The image that runs now is the first release: a rollback has somewhere to go.
    outcome.previous = (await currentRelease(layout)) ?? (o.dryRun ? null : await adoptRunning(o, live));
    // 1. the release: an image
    const id = plan.kind === 'rollback' ? plan.source : await build(o, plan.source, outcome);
    outcome.release = id;
    const tag = `${svc.image.repo}:${releaseTag(id)}`;
    const image = await inspectImage(tag, 10_000);
    if (!image.ok)
      throw new DeployError('release', `the image ${tag} of ${id} is gone: ${image.error.message}`);
    if (plan.kind === 'rollback') say('release', `going back to ${id} (${tag})`);
    if (o.dryRun) {
      await removeImage(tag, 30_000);
      await removePath(join(layout.releases, id));
      say('dry-run', `the image builds; stopping here: no candidate, no switch (${tag} is removed)`);
      outcome.outcome = 'dry_run';
      return outcome;
    }
    // 2. the candidate beside the live container, created; preflight on it before it runs
    const liveImage = await inspectImage(live.Image, 10_000);
    if (!liveImage.ok) throw new DeployError('candidate', `docker image inspect: ${liveImage.error.message}`);
    const next = await candidateBind(svc.app, svc.bind);
    if (next.kind !== 'tcp') throw new DeployError('candidate', 'no loopback port for the candidate');
    const cid = await createCandidate(svc, live, liveImage.value, image.value.Id, next);
    outcome.preflight = await preflightCandidate(cid, live);
    for (const r of outcome.preflight) say('preflight', `${r.status.padEnd(4)} ${r.id}: ${r.summary}`);
    const failed = outcome.preflight.filter((r) => r.status === 'fail');
    if (failed.length > 0)
      throw new DeployError(
        'preflight',
        `${failed.map((f) => f.id).join(', ')} failed: ${failed[0]?.summary ?? ''}`,
        failed.flatMap((f) => f.fix),
      );
    // 3. migrations, before any traffic moves, in a one-off container of the new image; a rollback's older
    // image must know the schema the database is at
    if (plan.kind === 'rollback') await guardSchema(o, cid, live, outcome.release, warn);
    if (plan.kind === 'deploy') {
      const m = await migrateOneOff(svc, cid, live, liveImage.value, image.value.Id);
      outcome.migrations = m?.lines ?? [];
      say(
        'migrate',
        !m
          ? 'the release has no migrations'
          : m.lines.length > 0
            ? m.lines.join('; ')
            : `${m.argv.join(' ')}: nothing to apply`,
      );
    }
    // 4. the candidate runs, gated on its health
    await startCandidate(cid);
    say('candidate', `${candidateName(svc)} (${tag}) on ${formatBind(next)}`);
    const unhealthy = await containerGate(cid, o.health, next, GATE_MS);
    if (unhealthy)
      throw new DeployError(
        'candidate',
        `the new release is not healthy: ${unhealthy}`,
        await lastLines(cid),
      );
    // 5. switch (the first deploy takes the site over first), then verify that the new release answers
    const took = await takeSite(svc, id);
    if (took) say('site', took);
    await switchUpstream(svc.app, next);
    switched = true;
    const seen = await answerFrom(next, o.health, { untilProblem: true });
    if (seen.problem || !seen.upstream?.includes(formatBind(next)))
      throw new DeployError(
        'verify',
        `after the switch, Nginx answered ${seen.problem ?? 'ok'} from ${seen.upstream ?? 'an unknown upstream'}`,
      );
    say('switch', `Nginx sends ${svc.name} to the new release (${seen.upstream})`);
    // 6. health through Nginx for the window
    await watchWindow(o.health, o.windowMs);
    say('watch', `healthy for ${Math.round(o.windowMs / 1000)} s through Nginx`);
    // 7. compose runs the release (traffic is on the candidate meanwhile), then traffic goes back to it
    promoted = true;
    const bad = await runOnCompose(svc, image.value.Id, o.health);
    if (bad) throw new DeployError('promote', `${svc.project}/${svc.service} on the new release: ${bad}`);
    await switchTo(svc.app, svc.bind, o.health);
    switched = false;
    await removeCandidates(svc);
    await swapSymlink(layout.current, join('releases', id));
    say(
      'promote',
      `${svc.project}/${svc.service} runs ${id} (${svc.image.repo}:${svc.image.tag}); the candidate is removed`,
    );
    await recreateWorkers(o, oldImage, image.value.Id, warn);
    outcome.pruned = await pruneReleases(o, [id, outcome.previous]);
    outcome.outcome = 'live';
    await markResult(layout, outcome);
    return outcome;
  } catch (error) {
    if (error instanceof UsageError && !switched) throw error;
    const e = failedStep(outcome, error);
    // compose was moved onto the new release (promote): back onto the old one before traffic goes there
    const back = switched && promoted && oldImage ? await runOnCompose(svc, oldImage, o.health) : null;
    if (back) {
      // nothing healthy to go back to: the candidate, which passed its watch, keeps serving
      outcome.message = `${e.message}; and on the old image: ${back}: traffic stays on the candidate`;
      say(
        'rollback',
        `${svc.project}/${svc.service} on the old image: ${back}: traffic stays on the candidate`,
      );
    } else if (switched) {
      say('rollback', `switching back to ${outcome.previous ?? 'the live container'}`);
      await switchTo(svc.app, svc.bind, o.health);
      outcome.outcome = 'rolled_back';
    }
    // After a failed recovery, or a failed way back, the candidate may be what serves: it stays.
    if (e.step !== 'recover' && !back) await removeCandidates(svc);
    if (plan.kind === 'deploy') await markResult(layout, outcome);
    return outcome;
  } finally {
    lock.release();
  }
}

/**
 * A rollback's image that does not know the revisions the database is at would run older code against a
 * newer schema: refused with the way down (run from the live container, whose image knows it), unless forced.
 */
async function guardSchema(
  o: ComposeDeployOptions,
  cid: string,
  live: ContainerInspect,
  release: string | null,
  warn: (step: string, text: string) => void,
): Promise<void> {
  const s = await schemaAgainst(cid, live);
  if (s.kind === 'unread') return warn('migrations', `the schema was not compared: ${s.why}`);
  if (s.kind === 'known') return;
  const text = `the database is at ${s.ahead.join(', ')}, which ${release ?? 'the release'} does not know: its code would run against a newer schema`;
  if (o.force) return warn('migrations', `${text} (--force)`);
  throw new DeployError('migrations', text, [
    `# take the database back first (from the live container, whose image knows the way down):`,
    `cd ${o.svc.workdir} && docker compose exec ${o.svc.service} python3 -m alembic downgrade ${s.heads[0] ?? 'base'}`,
    `# or go back anyway: medic rollback ${release ?? ''} --service ${o.svc.name} --force`,
  ]);
}

/** Builds the release's image from the build context (or SOURCE, a directory) and records it; its id. */
async function build(o: ComposeDeployOptions, source: string, outcome: Outcome): Promise<string> {
  const { svc, say } = o;
  const context = source ? resolve(source) : svc.build?.context;
  if (!context)
    throw new UsageError(
      `${svc.service} has no build: section in ${svc.files.join(', ')}: give medic deploy the directory to build`,
    );
  if ((await isDirectory(context)) !== true) throw new UsageError(`${context}: no such directory to build`);
  const id = releaseIdAt(new Date(), await releaseIds(svc.layout));
  outcome.release = id;
  const tag = `${svc.image.repo}:${releaseTag(id)}`;
  const dockerfile = svc.build?.dockerfile ?? 'Dockerfile';
  say('release', `building ${tag} from ${context}`);
  const r = await buildImage(
    await contextTar(context, dockerfile),
    {
      tag,
      dockerfile,
      labels: { [RELEASE_LABEL]: id },
      buildArgs: svc.build?.args ?? {},
      target: svc.build?.target ?? null,
      timeoutMs: 900_000,
    },
    () => {},
  );
  if (!r.ok) throw new DeployError('release', `docker build failed: ${r.error.message}`, r.tail);
  const rev = await run('git', ['-C', context, 'rev-parse', 'HEAD'], { timeoutMs: 5000 });
  await writeRelease(o, {
    id,
    createdAt: new Date().toISOString(),
    source: context,
    revision: rev.ok && rev.value.code === 0 ? rev.value.stdout.trim() : null,
    requirementsHash: null,
    migrationHead: null,
    irreversible: [],
    image: r.value,
  });
  say('build', `${tag} is ${r.value.slice(7, 19)}`);
  return id;
}

/** The release's record, written whole or not at all (a killed deploy leaves a .ID.partial, removed next time). */
async function writeRelease(o: ComposeDeployOptions, meta: ComposeReleaseMeta): Promise<void> {
  const partial = join(o.svc.layout.releases, `.${meta.id}.partial`);
  await makeDir(partial);
  await writeText(join(partial, META_FILE), `${JSON.stringify(meta, null, 2)}\n`);
  await renamePath(partial, join(o.svc.layout.releases, meta.id));
}

/** The first deploy: the image the service runs now becomes release ID, tagged REPO:medic-ID, and current. */
async function adoptRunning(o: ComposeDeployOptions, live: ContainerInspect): Promise<string> {
  const { svc, say } = o;
  const id = releaseIdAt(new Date(Date.parse(live.Created) || Date.now()), await releaseIds(svc.layout));
  const tagged = await tagImage(live.Image, svc.image.repo, releaseTag(id), 30_000);
  if (!tagged.ok) throw new DeployError('release', `docker tag ${live.Image}: ${tagged.error.message}`);
  await writeRelease(o, {
    id,
    createdAt: live.Created,
    source: `the image ${svc.project}/${svc.service} ran before its first medic deploy (${svc.image.repo}:${svc.image.tag})`,
    revision: null,
    requirementsHash: null,
    migrationHead: null,
    irreversible: [],
    image: live.Image,
    result: { outcome: 'live', step: null, at: new Date().toISOString() },
  });
  await swapSymlink(svc.layout.current, join('releases', id));
  say(
    'release',
    `the running image ${live.Image.slice(7, 19)} is release ${id} (${svc.image.repo}:${releaseTag(id)})`,
  );
  return id;
}

/**
 * Makes compose run IMAGE: REPO:TAG (the name in the compose file) points at it and compose recreates the
 * service, so a later `docker compose up -d` keeps it. null once the new container passes the gate on the
 * service's own port, or why not.
 */
async function runOnCompose(svc: ComposeService, image: string, health: Health): Promise<string | null> {
  const tagged = await tagImage(image, svc.image.repo, svc.image.tag, 30_000);
  if (!tagged.ok) return `docker tag: ${tagged.error.message}`;
  const up = await composeUp(svc, [svc.service]);
  if (up) return up;
  const { live, problem } = await serviceGate(svc, health, GATE_MS);
  if (problem || !live) return problem ?? 'no container runs';
  return live.Image === image ? null : `compose runs ${live.Image.slice(7, 19)}, not ${image.slice(7, 19)}`;
}

/** Other services of the project that run the same image name (a Celery worker): recreated on the release. */
async function recreateWorkers(
  o: ComposeDeployOptions,
  oldImage: string,
  image: string,
  warn: (step: string, text: string) => void,
): Promise<void> {
  const { svc } = o;
  const name = `${svc.image.repo}:${svc.image.tag}`;
  const others = new Set<string>();
  for (const c of await engineContainers()) {
    const s = c.Labels[SERVICE];
    if (c.Labels[PROJECT] !== svc.project || !s || s === svc.service || c.Labels[CANDIDATE_LABEL]) continue;
    const i = await inspectContainer(c.Id, 5000);
    if (i.ok && i.value.Config.Image === name && i.value.Image === oldImage) others.add(s);
  }
  if (others.size === 0) return;
  const list = [...others].sort();
  const failed = await composeUp(svc, list);
  if (failed) return warn('workers', `${failed}: docker-compose ps`);
  for (const s of list) {
    const c = (await engineContainers()).find(
      (x) => x.Labels[PROJECT] === svc.project && x.Labels[SERVICE] === s && x.State === 'running',
    );
    const i = c ? await inspectContainer(c.Id, 5000) : null;
    if (!i?.ok || i.value.Image !== image)
      warn('workers', `${s} did not come back on the new release: docker-compose logs ${s}`);
    else o.say('workers', `${s} recreated on the new release`);
  }
}

/** Releases beyond --keep: their records and their image tags (an image a container still runs stays). */
async function pruneReleases(o: ComposeDeployOptions, protect: (string | null)[]): Promise<string[]> {
  const removed = await prune(o.svc.layout, o.keep, protect);
  for (const id of removed) await removeImage(`${o.svc.image.repo}:${releaseTag(id)}`, 30_000);
  return removed;
}

/**
 * After a killed deploy: traffic back on the service's port (once the container compose runs answers
 * healthy; compose brings it up again if a killed promote left it half-recreated), candidates removed,
 * half-written releases removed, REPO:TAG and `current` naming the image compose really runs.
 */
async function recover(o: ComposeDeployOptions): Promise<void> {
  const { svc, say } = o;
  const up = await currentUpstream(svc.app);
  const liveBind = formatBind(svc.bind);
  const label = `${svc.project}/${svc.service}`;
  const candidates = (await engineContainers()).filter((c) => c.Labels[CANDIDATE_LABEL] === label);
  // With a candidate running, Nginx may still send traffic to it whatever the include file says (a kill
  // between writing the file and the reload): the switch back is made again, and waited for.
  if ((up && up !== liveBind) || candidates.length > 0) {
    const how = up && up !== liveBind ? `with traffic on ${up}` : 'with its candidate running';
    say('recover', `a deploy was interrupted ${how}: traffic goes back to ${liveBind}`);
    // (a killed promote's compose may still be recreating it: the gate waits for it)
    let bad = (await serviceGate(svc, o.health, GATE_MS)).problem;
    if (bad) {
      say('recover', `${label} is not healthy (${bad}): compose brings it up`);
      bad = (await composeUp(svc, [svc.service])) ?? (await serviceGate(svc, o.health, GATE_MS)).problem;
    }
    if (bad)
      throw new DeployError(
        'recover',
        `a deploy was interrupted ${how}, and ${label} is not healthy (${bad}): traffic stays where it is`,
        [`docker-compose -p ${svc.project} ps`, `medic diagnose ${svc.service}`],
      );
    if (up) await switchTo(svc.app, svc.bind, o.health);
  }
  for (const name of await removeCandidates(svc))
    say('recover', `removed ${name}, left by an interrupted deploy`);
  for (const name of await listDir(svc.layout.releases))
    if (/^\..+\.partial$/.test(name)) {
      await removePath(join(svc.layout.releases, name));
      say('recover', `removed ${name}, left half-written by an interrupted deploy`);
    }
  const live = await liveInspect(svc);
  if (!live) return;
  const named = `${svc.image.repo}:${svc.image.tag}`;
  const tagged = await inspectImage(named, 10_000);
  if (!tagged.ok || tagged.value.Id !== live.Image) {
    await tagImage(live.Image, svc.image.repo, svc.image.tag, 30_000);
    say('recover', `${named} names the image ${svc.service} runs again (${live.Image.slice(7, 19)})`);
  }
  const current = await currentRelease(svc.layout);
  const image = async (id: string) => ((await readMeta(svc.layout, id)) as ComposeReleaseMeta | null)?.image;
  if (current && (await image(current)) === live.Image) return;
  for (const id of (await releaseIds(svc.layout)).reverse())
    if ((await image(id)) === live.Image) {
      await swapSymlink(svc.layout.current, join('releases', id));
      return say('recover', `${svc.service} runs ${id}: current points there again`);
    }
}
