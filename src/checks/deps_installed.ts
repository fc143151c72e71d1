import { normaliseName, type Project } from '../discover/project.ts';
import type { Service } from '../discover/service.ts';
import { UNMET_REQUIREMENTS } from './app-probe.ts';
import { defineCheck, fail, type Output, pass, skip, warn } from './types.ts';

// The same question as the app probe's, alone: for when the app's own process gave no answer.
const CHECK_REQUIREMENTS = `${UNMET_REQUIREMENTS}
import sys
sys.stdout.write(unmet_requirements(sys.stdin.read().splitlines())["stdout"])
`;

interface Unmet {
  name: string;
  want: string;
  have: string | null;
}

/** pip check's lines: "flask 2.2.2 has requirement Werkzeug>=2.2.2, but you have werkzeug 2.0.1." */
export function pipCheckProblems(output: string): string[] {
  return output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /has requirement|which is not installed|is not supported on this platform/.test(l));
}

// one shell word: ' and > would be the shell's
const quoted = (arg: string) => (/^[\w@%+=:,./~-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

/**
 * The command that installs what the project requires into the virtualenv: `pip install -r` for a
 * requirements file; for a pyproject.toml its dependencies by name, since `-r pyproject.toml` is no
 * requirements file and an app's pyproject is often no installable package.
 */
export function installCommand(
  venv: string | null,
  project: Pick<Project, 'root' | 'requirementFiles' | 'requirements'> | null | undefined,
): string {
  const pip = `${venv ?? '/path/to/venv'}/bin/pip`;
  const file = project?.requirementFiles[0] ?? 'requirements.txt';
  // Poetry's lines ("django = ^4.2") are no PEP 508 requirement: name and spec are
  const what = /\.(txt|in)$/.test(file)
    ? `-r ${file}`
    : project?.requirements.length
      ? project.requirements
          .map((q) => quoted(q.line.includes(' = ') ? `${q.name}${q.spec}` : q.line))
          .join(' ')
      : '-r requirements.txt';
  return `cd ${project?.root ?? '.'} && ${pip} install ${what}`;
}

export interface DepsFacts {
  service: Pick<Service, 'python' | 'venv' | 'unit' | 'project'>;
  /** The requirements the venv's Python finds unmet, as JSON (see CHECK_REQUIREMENTS); null when it did not run. */
  unmet: Output | null;
  /** `python -m pip check`; null when it did not run. */
  pipCheck: Output | null;
}

export const check = defineCheck<DepsFacts>({
  meta: {
    id: 'deps.installed',
    layer: 'runtime',
    title:
      'the virtualenv has every package the project requires, at the required version (and pip check agrees)',
    docs: "Reads requirements.txt (or pyproject.toml's dependencies) and asks the virtualenv's own Python which versions are installed; then runs `pip check` for broken dependencies between packages. A package added to requirements.txt but never installed is a ModuleNotFoundError at the next restart.",
    runsAppPython: true,
    gatesDeploy: true,
  },
  async gather(ctx) {
    const { service } = ctx;
    const reqs = service.project?.requirements ?? [];
    if (!service.python || reqs.length === 0) return { service, unmet: null, pipCheck: null };
    const python = service.python;
    // The app's one Python answers both; what it could not do runs on its own, side by side.
    const [unmet, pipCheck] = await Promise.all([
      ctx.appProbePart('requirements').then(
        (o) =>
          o ??
          ctx.asUser([python, '-c', CHECK_REQUIREMENTS], {
            input: reqs.map((q) => q.line).join('\n'),
            cwd: service.workdir ?? '/',
            timeoutMs: Math.max(ctx.timeoutMs, 8000),
          }),
      ),
      ctx.appProbePart('pipCheck').then(
        (o) =>
          o ??
          ctx.asUser([python, '-m', 'pip', 'check'], {
            cwd: service.workdir ?? '/',
            timeoutMs: Math.max(ctx.timeoutMs, 8000),
          }),
      ),
    ]);
    return { service, unmet, pipCheck };
  },
  judge({ service, unmet: r, pipCheck: pc }) {
    const reqs = service.project?.requirements ?? [];
    if (!service.python) return skip('no virtualenv found in ExecStart');
    if (reqs.length === 0) return skip('the project lists no requirements');
    if (!r || r.code !== 0)
      return skip(`could not ask ${service.python}: ${r?.stderr.trim().split('\n').pop() ?? 'no answer'}`);
    let unmet: Unmet[];
    try {
      unmet = JSON.parse(r.stdout) as Unmet[];
    } catch {
      return skip('unreadable answer from the virtualenv');
    }
    const file = service.project?.requirementFiles[0] ?? 'requirements.txt';
    const pip = `${service.venv ?? '/path/to/venv'}/bin/pip`;
    if (unmet.length > 0)
      return fail(
        `${unmet.map((u) => u.name).join(', ')} ${unmet.length === 1 ? 'is' : 'are'} not installed as ${file} requires`,
        unmet.map((u) => `${u.name}${u.want}: ${u.have ? `${u.have} installed` : 'not installed'}`),
        [installCommand(service.venv, service.project), `systemctl restart ${service.unit}`],
      );
    // Only conflicts that touch what the project requires: a venv with system site-packages sees the whole OS.
    const required = new Set(reqs.map((q) => q.name));
    const all = pc ? pipCheckProblems(pc.stdout) : [];
    const problems = all.filter((p) =>
      [p.split(/\s/)[0] ?? '', /but you have (\S+)/.exec(p)?.[1] ?? ''].some((n) =>
        required.has(normaliseName(n)),
      ),
    );
    // The requirements themselves are met: conflicts among their own dependencies may or may not bite.
    if (problems.length > 0)
      return warn(
        `${reqs.length} requirements of ${file} met; pip check reports ${problems.length} conflicts`,
        problems.slice(0, 8),
        [`${pip} check`, `${installCommand(service.venv, service.project)}    # with versions that agree`],
      );
    const checked = !pc
      ? ''
      : all.length === 0
        ? '; pip check clean'
        : `; pip check: ${all.length} ${all.length === 1 ? 'conflict' : 'conflicts'} among packages the project does not require`;
    return pass(`${reqs.length} requirements of ${file} met${checked}`);
  },
});
