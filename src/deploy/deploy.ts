// medic deploy: a release that cannot take the site down. The steps, in order, each stopping the deploy
// with the old release still serving: lock, release, virtualenv, preflight, migrations, candidate beside
// the old release, health gate, switch, verify, watch, promote. A failure after the switch switches back.
import { createHash } from 'node:crypto';
import { join, posix } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError } from '../errors.ts';
import { type Bind, formatBind } from '../app/bind.ts';
import type { CheckContext } from '../checks/context.ts';
import { CHECKS } from '../checks/index.ts';
import type { CheckResult } from '../checks/types.ts';
import type { Health, Service } from '../discover/service.ts';
import { pyprojectOf } from '../discover/project.ts';
import { probeHealth } from '../watch/health.ts';
import {
  copyTree,
  isDirectory,
  listDir,
  makeDir,
  makeSymlink,
  pathExists,
  readBytes,
  readText,
  removePath,
  renamePath,
  writeText,
} from '../host/files.ts';
import type { Host } from '../host/host.ts';
import { processCwd } from '../host/pids.ts';
import { run } from '../host/run.ts';
import { showEnvironment } from '../systemd/show.ts';
import { type Layout, releaseIdAt, releaseIds } from './layout.ts';
import { PROBE_HEADER } from './nginx-switch.ts';

/** The checks of medic check that apply to a release that is not running yet (their meta says gatesDeploy). */
export const PREFLIGHT = CHECKS.filter((c) => c.meta.gatesDeploy).map((c) => c.meta.id);

export interface DeployOptions {
  host: Host;
  service: Service;
  layout: Layout;
  /** The health request through Nginx, as medic.yaml or discovery has it. */
  health: Health;
  /** Seconds of health through Nginx after the switch before the old release is stopped. */
  windowMs: number;
  keep: number;
  /** A rollback to a release that does not know the database's migrations goes ahead anyway. */
  force: boolean;
  /** Build the release, run its preflight and list its migrations, then stop: no candidate, no switch. */
  dryRun?: boolean;
  /** Names under ROOT that every release links to shared/ (the env file, uploads). */
  shared: string[];
  say: (step: string, text: string) => void;
}

export class DeployError extends Error {
  readonly step: string;
  readonly details: string[];
  constructor(step: string, message: string, details: string[] = []) {
    super(message);
    this.step = step;
    this.details = details;
  }
}

export interface Outcome {
  release: string;
  previous: string | null;
  /** dry_run: --dry-run passed preflight; nothing moved and the release built for it is removed. */
  outcome: 'live' | 'rolled_back' | 'failed' | 'dry_run';
  step: string | null;
  message: string | null;
  details: string[];
  preflight: CheckResult[];
  migrations: string[];
  /** What the operator should know although nothing failed: irreversible migrations, a forced rollback. */
  warnings: string[];
  pruned: string[];
}

/** A deploy's outcome before any step has run, and its warn: a warning kept in the outcome and said. */
export function startOutcome(
  previous: string | null,
  say: DeployOptions['say'],
): { outcome: Outcome; warn: (step: string, text: string) => void } {
  const outcome: Outcome = {
    release: '',
    previous,
    outcome: 'failed',
    step: null,
    message: null,
    details: [],
    preflight: [],
    migrations: [],
    warnings: [],
    pruned: [],
  };
  const warn = (step: string, text: string) => {
    outcome.warnings.push(text);
    say(step, `warning: ${text}`);
  };
  return { outcome, warn };
}

/** The step that failed, in the outcome: a DeployError as it is, anything else as an internal error. */
export function failedStep(outcome: Outcome, error: unknown): DeployError {
  const e =
    error instanceof DeployError
      ? error
      : new DeployError('internal', error instanceof Error ? error.message : String(error));
  outcome.step = e.step;
  outcome.message = e.message;
  outcome.details = e.details;
  return e;
}

const CANDIDATE = (app: string) => `${app}-medic-next`;

/** Copies SOURCE (a directory, a git repository at a ref, or a tarball) into a new release directory. */
export async function createRelease(
  layout: Layout,
  source: string,
  ref: string | null,
  shared: string[],
): Promise<{ id: string; revision: string | null }> {
  await makeDir(layout.releases);
  const id = releaseIdAt(new Date(), await releaseIds(layout));
  const directory = await isDirectory(source);
  if (directory === null) throw new UsageError(`${source}: no such directory, repository or tarball`);
  const tmp = join(layout.releases, `.${id}.partial`);
  await removePath(tmp);
  await makeDir(tmp);
  let revision: string | null = null;
  try {
    if (directory && (pathExists(join(source, '.git')) || ref)) {
      const rev = await run('git', ['-C', source, 'rev-parse', `${ref ?? 'HEAD'}^{commit}`], {
        timeoutMs: 10_000,
      });
      if (!rev.ok || rev.value.code !== 0) throw new UsageError(`${source}: no git ref ${ref ?? 'HEAD'}`);
      revision = rev.value.stdout.trim();
      const archive = await run(
        'sh',
        ['-c', 'git -C "$1" archive "$2" | tar -x -C "$3"', 'sh', source, revision, tmp],
        { timeoutMs: 120_000 },
      );
      if (!archive.ok || archive.value.code !== 0)
        throw new UsageError(
          `git archive ${revision} failed: ${archive.ok ? archive.value.stderr.trim() : ''}`,
        );
    } else if (directory) {
      const skip = new Set([
        '.git',
        '.venv',
        'venv',
        '__pycache__',
        'releases',
        'shared',
        'current',
        ...shared,
      ]);
      // Entry by entry: the releases directory may live inside the source (medic deploy --init).
      for (const entry of await listDir(source)) {
        if (skip.has(entry) || entry === '.medic-deploy.lock' || entry.endsWith('.medic-tmp')) continue;
        await copyTree(join(source, entry), join(tmp, entry), (path) =>
          path.split('/').some((p) => p === '__pycache__' || p === '.git'),
        );
      }
    } else if (/\.(tar|tar\.gz|tgz|tar\.bz2|tar\.xz)$/.test(source)) {
      const x = await run('tar', ['-xf', source, '-C', tmp, '--no-same-owner'], { timeoutMs: 120_000 });
      if (!x.ok || x.value.code !== 0)
        throw new UsageError(`${source}: tar failed: ${x.ok ? x.value.stderr.trim() : x.error.message}`);
    } else {
      throw new UsageError(`${source}: give a directory, a git repository (with --ref) or a .tar(.gz) file`);
    }
    for (const name of shared) {
      await removePath(join(tmp, name));
      await makeSymlink(posix.join('..', '..', 'shared', name), join(tmp, name));
    }
  } catch (error) {
    // a source that cannot be read leaves no half-built release behind
    await removePath(tmp);
    throw error;
  }
  await renamePath(tmp, join(layout.releases, id));
  return { id, revision };
}

/** The requirements (or lock) file that decides the virtualenv, and its hash. */
export async function requirementsHash(dir: string): Promise<{ file: string; hash: string } | null> {
  for (const file of [
    'uv.lock',
    'poetry.lock',
    'Pipfile.lock',
    'requirements.lock',
    'requirements.txt',
    'pyproject.toml',
  ]) {
    const text = await readBytes(join(dir, file));
    if (text) return { file, hash: createHash('sha256').update(text).digest('hex').slice(0, 16) };
  }
  return null;
}

/**
 * Links the release's .venv to shared/venvs/HASH, building that virtualenv when no earlier release had
 * the same requirements. Virtualenvs are not relocatable, so each is built where it will stay.
 */
export async function linkVenv(
  layout: Layout,
  id: string,
  base: { python: string; systemSite: boolean },
  say: (t: string) => void,
): Promise<{ hash: string | null; built: boolean }> {
  const dir = join(layout.releases, id);
  const req = await requirementsHash(dir);
  const hash = req?.hash ?? 'none';
  const venv = join(layout.shared, 'venvs', hash);
  let built = false;
  if (!pathExists(`${venv}.complete`)) {
    if (!req)
      throw new DeployError('venv', `no requirements or lock file in the release, and no virtualenv for it`);
    // The hash follows a lock file when there is one; pip installs requirements.txt, or else the
    // dependencies pyproject.toml declares (not the app itself: its code stays in the release).
    const requirements = join(dir, 'requirements.txt');
    const pyproject = pathExists(requirements)
      ? null
      : pyprojectOf((await readText(join(dir, 'pyproject.toml'))) ?? '');
    if (!pathExists(requirements) && !pyproject)
      throw new DeployError(
        'venv',
        `medic builds virtualenvs from requirements.txt or pyproject.toml; ${req.file} alone is not enough`,
        [
          'export the lock file to requirements.txt in the release (uv export, poetry export, pipenv requirements)',
        ],
      );
    const what = pyproject ? pyproject.dependencies.map((d) => d.line) : ['-r', requirements];
    say(`building ${venv} from ${req.file}`);
    await removePath(venv);
    await makeDir(join(layout.shared, 'venvs'));
    const mk = await run(
      base.python,
      ['-m', 'venv', ...(base.systemSite ? ['--system-site-packages'] : []), venv],
      { timeoutMs: 120_000 },
    );
    if (!mk.ok || mk.value.code !== 0)
      throw new DeployError('venv', `python -m venv failed`, [
        mk.ok ? mk.value.stderr.trim() : mk.error.message,
      ]);
    const pip = await run(
      join(venv, 'bin', 'pip'),
      ['install', '--no-input', '--disable-pip-version-check', ...what],
      { timeoutMs: 900_000 },
    );
    if (!pip.ok || pip.value.code !== 0)
      throw new DeployError(
        'venv',
        `pip install ${pyproject ? 'of the dependencies in pyproject.toml' : '-r requirements.txt'} failed`,
        (pip.ok ? pip.value.stderr : pip.error.message).trim().split('\n').slice(-3),
      );
    await writeText(`${venv}.complete`, `${new Date().toISOString()}\n`);
    built = true;
  }
  await removePath(join(dir, '.venv'));
  await makeSymlink(venv, join(dir, '.venv'));
  return { hash: req?.hash ?? null, built };
}

/**
 * A path of the app's code, under ROOT/current or ROOT, moved to `dir` (a release, or ROOT/current itself);
 * releases/ and shared/ and anything outside ROOT stay as they are.
 */
export function movePath(layout: Layout, dir: string): (p: string) => string {
  return (p) => {
    for (const from of [layout.current, layout.root])
      if (p === from || p.startsWith(`${from}/`)) {
        const rest = p.slice(from.length + 1);
        if (from === layout.root && /^(releases|shared)(\/|$)/.test(rest)) return p;
        return rest ? join(dir, rest) : dir;
      }
    return p;
  };
}

/** The service as it would run from `dir`: every path under ROOT/current (or ROOT) moved there. */
export function serviceAt(service: Service, layout: Layout, dir: string): Service {
  const to = movePath(layout, dir);
  const move = (p: string | null | undefined): string | null => (p ? to(p) : null);
  return {
    ...service,
    workdir: move(service.workdir),
    venv: move(service.venv),
    python: move(service.python),
    exec: service.exec
      ? { ...service.exec, path: to(service.exec.path), argv: service.exec.argv.map(to) }
      : null,
    ...(service.server
      ? {
          server: {
            ...service.server,
            ...(service.server.chdir ? { chdir: move(service.server.chdir) ?? service.server.chdir } : {}),
          },
        }
      : {}),
  };
}

/** The candidate's bind: a socket of its own in its own runtime directory, or the first free port above. */
export async function candidateBind(app: string, bind: Bind): Promise<Bind> {
  if (bind.kind === 'unix')
    return { kind: 'unix', path: `/run/${CANDIDATE(app)}/${posix.basename(bind.path)}` };
  for (let port = bind.port + 10_000; port < Math.min(65_535, bind.port + 10_100); port++) {
    const busy = await run('ss', ['-Hltn', `sport = :${port}`], { timeoutMs: 3000 });
    if (busy.ok && busy.value.stdout.trim() === '') return { kind: 'tcp', host: '127.0.0.1', port };
  }
  throw new DeployError('candidate', `no free port above ${bind.port + 10_000} for the new release`);
}

/** ExecStart with the candidate's bind (and paths) in place of the live one's. */
export function candidateArgv(argv: string[], server: string, bind: Bind): string[] {
  const out: string[] = [];
  let replaced = false;
  const b = formatBind(bind);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (server === 'uvicorn') {
      if (a === '--uds' || a === '--host' || a === '--port' || a === '--fd') {
        i++;
        continue;
      }
      if (/^--(uds|host|port|fd)=/.test(a)) continue;
    } else if (a === '-b' || a === '--bind') {
      i++;
      if (!replaced) out.push('--bind', b);
      replaced = true;
      continue;
    } else if (a.startsWith('--bind=') || (a.startsWith('-b') && a.length > 2)) {
      if (!replaced) out.push('--bind', b);
      replaced = true;
      continue;
    }
    out.push(a);
  }
  if (server === 'uvicorn')
    out.push(
      ...(bind.kind === 'unix' ? ['--uds', bind.path] : ['--host', bind.host, '--port', String(bind.port)]),
    );
  else if (!replaced) out.push('--bind', b);
  return out;
}

/** Starts the release beside the live one as a transient unit with the live unit's user, env and limits. */
export async function startCandidate(
  service: Service,
  layout: Layout,
  dir: string,
  bind: Bind,
): Promise<string> {
  const unit = `${CANDIDATE(service.name)}.service`;
  await run('systemctl', ['stop', unit], { timeoutMs: 60_000 });
  await run('systemctl', ['reset-failed', unit], { timeoutMs: 10_000 });
  const at = serviceAt(service, layout, dir);
  const exec = at.exec;
  if (!exec || !service.server) throw new DeployError('candidate', `cannot read ${service.unit}'s ExecStart`);
  const argv = [exec.path, ...exec.argv.slice(1)];
  const props = [
    `User=${service.user}`,
    `Group=${service.group}`,
    `WorkingDirectory=${at.workdir ?? dir}`,
    ...service.envFiles.map((f) => `EnvironmentFile=${f.optional ? '-' : ''}${f.path}`),
    ...(bind.kind === 'unix' ? [`RuntimeDirectory=${CANDIDATE(service.name)}`] : []),
    'KillMode=mixed',
    'TimeoutStopSec=30',
  ];
  // Environment= as systemd quotes it: a value with spaces stays one value.
  const envs = showEnvironment(service.show).map((e) => `${e.name}=${e.value}`);
  const r = await run(
    'systemd-run',
    [
      `--unit=${unit}`,
      '--collect',
      `--description=medic deploy: ${service.name} release ${posix.basename(dir)} (candidate)`,
      ...props.flatMap((p) => ['-p', p]),
      ...envs.flatMap((e) => ['--setenv', e]),
      '--',
      ...candidateArgv(argv, service.server.server, bind),
    ],
    { timeoutMs: 30_000 },
  );
  if (!r.ok || r.value.code !== 0)
    throw new DeployError('candidate', `systemd-run failed`, [
      r.ok ? r.value.stderr.trim() : r.error.message,
    ]);
  return unit;
}

/** Whether a candidate of the app is running (a deploy was killed while it served, or was about to). */
export async function candidateRunning(app: string): Promise<boolean> {
  const r = await run('systemctl', ['is-active', `${CANDIDATE(app)}.service`], { timeoutMs: 5000 });
  return r.ok && r.value.stdout.trim() === 'active';
}

export async function stopCandidate(app: string): Promise<void> {
  await run('systemctl', ['stop', `${CANDIDATE(app)}.service`], { timeoutMs: 60_000 });
}

/**
 * Health of one bind directly (not through Nginx): plain HTTP to the app's socket or port, with the health
 * URL's Host, path and query.
 */
export async function healthAt(health: Health, bind: Bind, timeoutMs = 5000): Promise<string | null> {
  const url = new URL(health.url);
  const r = await probeHealth(
    {
      ...health,
      url: `http://${url.host}${url.pathname}${url.search}`,
      ...(bind.kind === 'unix'
        ? { socketPath: bind.path, connectTo: undefined }
        : { connectTo: { host: bind.host, port: bind.port }, socketPath: undefined }),
    },
    timeoutMs,
  );
  return r.ok ? null : (r.problem ?? 'unhealthy');
}

/** Waits until the bind answers healthy, up to `ms`; the last problem when it never does. */
export async function gate(health: Health, bind: Bind, ms: number, unit?: string): Promise<string | null> {
  const end = Date.now() + ms;
  let last: string | null = 'no answer';
  while (Date.now() < end) {
    last = await healthAt(health, bind, 3000);
    if (last === null) return null;
    if (unit) {
      const state = await run('systemctl', ['is-failed', unit], { timeoutMs: 5000 });
      if (state.ok && state.value.stdout.trim() === 'failed') return `${unit} failed: ${last}`;
    }
    await sleep(300);
  }
  return last;
}

/** Through Nginx: the health answer and the upstream Nginx used (X-Medic-Upstream). */
export async function viaNginx(health: Health): Promise<{ problem: string | null; upstream: string | null }> {
  const r = await probeHealth(health, 5000, { [PROBE_HEADER]: '1' });
  return {
    problem: r.ok ? null : (r.problem ?? 'unhealthy'),
    upstream: r.headers?.['x-medic-upstream'] ?? null,
  };
}

/** The working directory of the process listening on the bind (the release it runs). */
export async function listenerCwd(bind: Bind): Promise<string | null> {
  const r = await run(
    'ss',
    bind.kind === 'unix' ? ['-Hxlp', 'src', bind.path] : ['-Hltnp', `sport = :${bind.port}`],
    {
      timeoutMs: 3000,
    },
  );
  const pid = r.ok ? /pid=(\d+)/.exec(r.value.stdout)?.[1] : undefined;
  return pid ? processCwd(pid) : null;
}

/**
 * Django's static files for the release: collectstatic as the unit's user, into STATIC_ROOT. A STATIC_ROOT
 * inside the release is made the user's first (the release is root's); Nginx serves it through current/.
 */
export async function collectStatic(ctx: CheckContext, service: Service, dir: string): Promise<string> {
  const root = (await ctx.appFacts())?.django?.STATIC_ROOT;
  if (!root) return 'STATIC_ROOT is not set: no static files collected';
  if (root === dir || root.startsWith(`${dir}/`)) {
    await makeDir(root);
    await run('chown', ['-R', `${service.user}:${service.group}`, root], { timeoutMs: 60_000 });
  }
  const r = await ctx.asUser([service.python ?? 'python3', 'manage.py', 'collectstatic', '--noinput'], {
    timeoutMs: 600_000,
    cwd: service.project?.root ?? dir,
  });
  if (!r || r.code !== 0)
    throw new DeployError(
      'static',
      'manage.py collectstatic failed',
      `${r?.stdout ?? ''}\n${r?.stderr ?? ''}`.trim().split('\n').slice(-4),
    );
  return `${r.stdout.trim().split('\n').pop() ?? 'collected'} (${root})`;
}

/** Runs the project's migrations as their own step, as the unit's user with its environment. */
export async function migrate(ctx: CheckContext, service: Service): Promise<string[]> {
  const tool = service.project?.migrations?.tool;
  const python = service.python;
  if (!tool || !python) return [];
  const bin = posix.dirname(python);
  const argv =
    tool === 'django'
      ? [python, 'manage.py', 'migrate', '--noinput']
      : tool === 'flask-migrate'
        ? [join(bin, 'flask'), 'db', 'upgrade']
        : [join(bin, 'alembic'), 'upgrade', 'head'];
  const r = await ctx.asUser(argv, { timeoutMs: 600_000, cwd: service.workdir });
  if (!r) throw new DeployError('migrate', `could not run ${argv.join(' ')}`);
  const lines = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => l.trim());
  if (r.code !== 0)
    throw new DeployError(
      'migrate',
      `${posix.basename(argv[0] ?? '')} ${argv.slice(1).join(' ')} failed`,
      lines.slice(-6),
    );
  return lines.filter((l) => /Running upgrade|Applying /.test(l)).map((l) => l.trim());
}
