// The deploy and rollback flows over the steps of deploy.ts. Every failure before the switch leaves the
// old release serving untouched; a failure after it switches back to the old release, still running.
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError } from '../errors.ts';
import { CheckContext } from '../checks/context.ts';
import { CHECKS } from '../checks/index.ts';
import { runChecks } from '../checks/run.ts';
import type { CheckResult } from '../checks/types.ts';
import { projectOf } from '../discover/project.ts';
import { type Bind, formatBind } from '../app/bind.ts';
import {
  candidateBind,
  collectStatic,
  candidateRunning,
  createRelease,
  DeployError,
  failedStep,
  startOutcome,
  type DeployOptions,
  gate,
  linkVenv,
  listenerCwd,
  migrate,
  type Outcome,
  PREFLIGHT,
  requirementsHash,
  serviceAt,
  startCandidate,
  stopCandidate,
  viaNginx,
} from './deploy.ts';
import { dropInOf } from './init.ts';
import { currentRelease, type Layout, prune, readMeta, takeLock, writeMeta } from './layout.ts';
import {
  appliedMigrations,
  downgradeCommand,
  pendingOf,
  releaseMigrations,
  unknownTo,
} from './migrations.ts';
import { currentUpstream, switchUpstream } from './nginx-switch.ts';
import { listDir, pathExists, removePath, swapSymlink } from '../host/files.ts';
import { run } from '../host/run.ts';

/** How long old Nginx workers get to finish what they proxied before the old upstream stops. */
const DRAIN_MS = 2000;

export interface Plan {
  kind: 'deploy' | 'rollback';
  /** deploy: the source; rollback: the release id to go back to. */
  source: string;
  ref: string | null;
}

export async function runDeploy(o: DeployOptions, plan: Plan): Promise<Outcome> {
  const { service, layout, say } = o;
  const bind = service.binds[0];
  if (!bind) throw new DeployError('plan', `${service.unit} has no bind medic can switch`);
  const lock = takeLock(layout, `${plan.kind} ${plan.source}`);
  if (lock.tookOver) say('lock', `took over the lock of pid ${lock.tookOver.pid}, which is gone`);
  const previous = await currentRelease(layout);
  const { outcome, warn } = startOutcome(previous, say);

  let switched = false;
  let built: string | null = null;
  try {
    // A deploy that was killed may have left its candidate running and traffic on it: back to the live unit.
    // (A dry run moves nothing: the next real deploy recovers.)
    if (!o.dryRun) await recover(o, bind);
    // 2. the release, its record (written first, so that even a failed virtualenv is marked), its virtualenv
    const id = plan.kind === 'rollback' ? plan.source : null;
    const created = id ? null : await createRelease(layout, plan.source, plan.ref, o.shared);
    outcome.release = id ?? created?.id ?? '';
    const dir = join(layout.releases, outcome.release);
    if (created) built = dir;
    const at = serviceAt(service, layout, dir);
    at.project = await projectOf(o.host, at.workdir ?? dir, service.env, {
      ...(service.server?.module ? { module: service.server.module } : {}),
    });
    const tool = at.project.migrations;
    const rel = tool ? await releaseMigrations(at.project.root, tool) : null;
    if (!created) say('release', `going back to ${outcome.release}`);
    else {
      say(
        'release',
        `${dir} from ${plan.source}${created.revision ? ` at ${created.revision.slice(0, 12)}` : ''}`,
      );
      await writeMeta(layout, {
        id: created.id,
        createdAt: new Date().toISOString(),
        source: plan.source,
        revision: created.revision,
        requirementsHash: (await requirementsHash(dir))?.hash ?? null,
        migrationHead: rel?.head ?? null,
        irreversible: rel?.irreversible.map((i) => i.id) ?? [],
      });
      const venv = await linkVenv(layout, created.id, { python: 'python3', systemSite: true }, (t) =>
        say('venv', t),
      );
      say(
        'venv',
        venv.built ? 'built' : `reused shared/venvs/${venv.hash ?? 'none'} (requirements unchanged)`,
      );
    }
    // 3. preflight, as the unit's user, from the new release
    const ctx = new CheckContext(o.host, at, { timeoutMs: 10_000 });
    const checks = CHECKS.filter((c) => PREFLIGHT.includes(c.meta.id));
    outcome.preflight = await runChecks(checks, ctx, () => {});
    const failed = outcome.preflight.filter((r: CheckResult) => r.status === 'fail');
    for (const r of outcome.preflight) say('preflight', `${r.status.padEnd(4)} ${r.id}: ${r.summary}`);
    if (failed.length > 0)
      throw new DeployError(
        'preflight',
        `${failed.map((f) => f.id).join(', ')} failed: ${failed[0]?.summary ?? ''}`,
        failed.flatMap((f) => f.fix),
      );
    const url = ctx.databaseUrl();
    if (rel && url && plan.kind === 'rollback') {
      // The database may be at migrations the target release's code has never seen. The live release's
      // project root is the same place inside its own directory.
      const liveDir = previous ? join(layout.releases, previous, relative(dir, at.project.root)) : null;
      const live = liveDir && tool ? await releaseMigrations(liveDir, tool) : null;
      const applied = await appliedMigrations(url, live ?? rel, 10_000);
      const unknown = applied ? unknownTo(applied, rel) : [];
      if (applied === null) warn('migrations', 'could not read the migrations the database is at');
      else if (unknown.length > 0) {
        const fix = downgradeCommand(
          {
            dir: liveDir ?? at.project.root,
            python: previous ? serviceAt(service, layout, join(layout.releases, previous)).python : at.python,
            user: service.user,
            tool: rel.tool,
          },
          rel,
          unknown,
        );
        const text = `the database is at ${unknown.join(', ')}, which ${outcome.release} does not know: its code would run against a newer schema`;
        if (!o.force)
          throw new DeployError('migrations', text, [
            `# take the database back first (from the live release, which knows the way down):`,
            fix,
            `# or go back anyway: medic rollback ${outcome.release} --force`,
          ]);
        warn('migrations', `${text} (--force)`);
      }
    }
    // 4. migrations, before any traffic moves: what is pending, with a warning for each that cannot be undone
    const pending =
      plan.kind === 'deploy' && rel && url
        ? pendingOf(rel, (await appliedMigrations(url, rel, 10_000)) ?? rel.known)
        : [];
    for (const m of pending)
      if (m.why)
        warn(
          'migrate',
          `${m.id} cannot be undone (${m.why}): going back past this release will need a database restore`,
        );
    if (o.dryRun) {
      outcome.migrations = pending.map((m) => `would apply ${m.id}`);
      if (plan.kind === 'deploy')
        say('migrate', outcome.migrations.length ? outcome.migrations.join('; ') : 'nothing to apply');
      say('dry-run', 'stopping here: no migration, no candidate, no switch');
      outcome.outcome = 'dry_run';
      return outcome;
    }
    if (plan.kind === 'deploy') {
      const lines = await migrate(ctx, at);
      // The tool's own lines when it prints them (its logging may be off), else what was pending.
      outcome.migrations = lines.length > 0 ? lines : pending.map((m) => `applied ${m.id}`);
      say('migrate', outcome.migrations.length ? outcome.migrations.join('; ') : 'nothing to apply');
      if (at.project.framework === 'django') say('static', await collectStatic(ctx, at, dir));
    }
    // 5. the candidate beside the live release, gated on its health
    const next = await candidateBind(service.name, bind);
    const unit = await startCandidate(service, layout, dir, next);
    say('candidate', `${unit} on ${formatBind(next)}`);
    const unhealthy = await gate(o.health, next, 60_000, unit);
    if (unhealthy) {
      const logs = await run('journalctl', ['-u', unit, '-n', '8', '--no-pager', '-o', 'cat'], {
        timeoutMs: 5000,
      });
      throw new DeployError(
        'candidate',
        `the new release is not healthy: ${unhealthy}`,
        logs.ok ? logs.value.stdout.trim().split('\n') : [],
      );
    }
    // 6. switch, then verify that the new release answers
    await switchUpstream(service.name, next);
    switched = true;
    await swapSymlink(layout.current, join('releases', outcome.release));
    const seen = await answerFrom(next, o.health, { untilProblem: true });
    const cwd = await listenerCwd(next);
    if (seen.problem || !seen.upstream?.includes(formatBind(next)) || cwd !== (at.workdir ?? dir))
      throw new DeployError(
        'verify',
        `after the switch, Nginx answered ${seen.problem ?? 'ok'} from ${seen.upstream ?? 'an unknown upstream'} (the new release's process runs in ${cwd ?? '?'})`,
      );
    say('switch', `Nginx sends ${service.name} to the new release (${seen.upstream}, process in ${cwd})`);
    // 7. watch health through Nginx for the window
    await watchWindow(o.health, o.windowMs);
    say('watch', `healthy for ${Math.round(o.windowMs / 1000)} s through Nginx`);
    // 8. the live unit now runs the new release (traffic is on the candidate meanwhile), then back to it
    await run('systemctl', ['daemon-reload'], { timeoutMs: 30_000 });
    const restarted = await run('systemctl', ['restart', service.unit], { timeoutMs: 120_000 });
    const liveBad =
      restarted.ok && restarted.value.code === 0
        ? await gate(o.health, bind, 60_000, service.unit)
        : 'restart failed';
    if (liveBad)
      throw new DeployError('promote', `${service.unit} on the new release is not healthy: ${liveBad}`);
    await switchTo(service.name, bind, o.health);
    switched = false;
    await stopCandidate(service.name);
    say('promote', `${service.unit} runs ${outcome.release}; the candidate is stopped`);
    await restartWorkers(o, warn);
    outcome.pruned = await prune(layout, o.keep, [outcome.release, previous]);
    outcome.outcome = 'live';
    await markResult(layout, outcome);
    return outcome;
  } catch (error) {
    // Bad input (a source that is not there, a git ref that is not) is the user's one-line error.
    if (error instanceof UsageError && !switched) throw error;
    const e = failedStep(outcome, error);
    if (switched) {
      say('rollback', `switching back to ${previous ?? 'the live unit'}`);
      if (previous) await swapSymlink(layout.current, join('releases', previous));
      // The live unit was restarted onto the new release (promote): back onto the old one before traffic.
      if (e.step === 'promote') {
        await run('systemctl', ['restart', service.unit], { timeoutMs: 120_000 });
        await gate(o.health, bind, 60_000, service.unit);
      }
      await switchTo(service.name, bind, o.health);
      outcome.outcome = 'rolled_back';
    }
    if (o.dryRun) return outcome;
    // After a failed recovery the candidate may be what serves: it stays.
    if (e.step !== 'recover') await stopCandidate(service.name);
    if (plan.kind === 'deploy') await markResult(layout, outcome);
    return outcome;
  } finally {
    // A dry run leaves no release behind (a virtualenv it built stays in shared/venvs, for the deploy).
    if (o.dryRun && built) await removePath(built);
    lock.release();
  }
}

/** The app's workers that follow the releases (medic's drop-in): restarted onto `current`, each checked. */
async function restartWorkers(o: DeployOptions, warn: (step: string, text: string) => void): Promise<void> {
  for (const w of o.service.workers) {
    if (!pathExists(dropInOf(w.id))) continue;
    const r = await run('systemctl', ['restart', w.id], { timeoutMs: 180_000 });
    await sleep(1000);
    const state = await run('systemctl', ['is-active', w.id], { timeoutMs: 5000 });
    if (!r.ok || r.value.code !== 0 || !state.ok || state.value.stdout.trim() !== 'active')
      warn('workers', `${w.id} did not come back on the new release: systemctl status ${w.id}`);
    else o.say('workers', `${w.id} restarted on the new release`);
  }
}

/** Health through Nginx for the window after the switch: three failures in a row end the deploy. */
export async function watchWindow(health: DeployOptions['health'], windowMs: number): Promise<void> {
  const end = Date.now() + windowMs;
  let failures = 0;
  while (Date.now() < end) {
    const h = await viaNginx(health);
    failures = h.problem ? failures + 1 : 0;
    if (failures >= 3)
      throw new DeployError(
        'watch',
        `health through Nginx failed 3 times in a row after the switch: ${h.problem}`,
      );
    await sleep(500);
  }
}

/** How the deploy of a release ended, beside it (medic releases shows it; rollback skips failed ones). */
export async function markResult(layout: Layout, o: Outcome): Promise<void> {
  if (!o.release || o.outcome === 'dry_run') return;
  const meta = await readMeta(layout, o.release);
  if (meta)
    await writeMeta(layout, {
      ...meta,
      result: { outcome: o.outcome, step: o.step, at: new Date().toISOString() },
    }).catch(() => {});
}

/**
 * Switches Nginx to `bind` and waits until its new workers answer from there, then a moment more: the
 * old workers may still be proxying requests they accepted before the reload, to the old upstream.
 */
export async function switchTo(app: string, bind: Bind, health: DeployOptions['health']): Promise<void> {
  await switchUpstream(app, bind);
  await answerFrom(bind, health, { untilProblem: false });
  await sleep(DRAIN_MS);
}

/**
 * Asks through Nginx, for up to 10 s, until its new workers (they take over moments after a reload) answer
 * from `bind`; with `untilProblem`, an unhealthy answer ends the wait too. The last answer.
 */
export async function answerFrom(
  bind: Bind,
  health: DeployOptions['health'],
  opts: { untilProblem: boolean },
): Promise<{ problem: string | null; upstream: string | null }> {
  const wanted = formatBind(bind);
  let seen = await viaNginx(health);
  for (let i = 0; i < 40 && !(opts.untilProblem && seen.problem) && !seen.upstream?.includes(wanted); i++) {
    await sleep(250);
    seen = await viaNginx(health);
  }
  return seen;
}

/**
 * After a killed deploy: traffic back on the live unit's bind (once it answers healthy: a killed promote may
 * have left it restarting), the candidate stopped, half-built releases removed, `current` at what runs.
 */
async function recover(o: DeployOptions, bind: Bind): Promise<void> {
  const up = await currentUpstream(o.service.name);
  const live = formatBind(bind);
  // With a candidate running, Nginx may still send traffic to it whatever the include file says (a kill
  // between writing the file and the reload): the switch back is made again, and waited for.
  if ((up && up !== live) || (await candidateRunning(o.service.name))) {
    const how = up && up !== live ? `with traffic on ${up}` : 'with its candidate running';
    o.say('recover', `a deploy was interrupted ${how}: traffic goes back to ${live}`);
    const bad = await gate(o.health, bind, 60_000, o.service.unit);
    if (bad)
      throw new DeployError(
        'recover',
        `a deploy was interrupted ${how}, and ${o.service.unit} is not healthy (${bad}): traffic stays where it is`,
        [`systemctl status ${o.service.unit}`, `medic diagnose ${o.service.unit}`],
      );
    await switchTo(o.service.name, bind, o.health);
  }
  await stopCandidate(o.service.name);
  await removePartial(o.layout, o.say);
  // `current` names the release the live unit really runs.
  const cwd = await listenerCwd(bind);
  const runs = cwd?.startsWith(`${o.layout.releases}/`)
    ? cwd.slice(o.layout.releases.length + 1).split('/')[0]
    : null;
  if (runs && runs !== (await currentRelease(o.layout))) {
    o.say('recover', `the live unit runs ${runs}: current points there again`);
    await swapSymlink(o.layout.current, join('releases', runs));
  }
}

/** Releases a killed deploy left half-built (.ID.partial): nobody else builds while medic holds the lock. */
async function removePartial(layout: Layout, say: DeployOptions['say']): Promise<void> {
  for (const name of await listDir(layout.releases))
    if (/^\..+\.partial$/.test(name)) {
      await removePath(join(layout.releases, name));
      say('recover', `removed ${name}, left half-built by an interrupted deploy`);
    }
}
