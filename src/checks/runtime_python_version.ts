import { satisfies } from '../discover/project.ts';
import type { Service } from '../discover/service.ts';
import { installCommand } from './deps_installed.ts';
import { defineCheck, fail, pass, skip } from './types.ts';

export interface PythonVersionFacts {
  service: Pick<Service, 'python' | 'venv' | 'project' | 'unit'>;
  /** What the unit's Python says its version is ("3.11.2"), or why it did not run; null without a Python. */
  python: { version: string } | { error: string } | null;
}

export const check = defineCheck<PythonVersionFacts>({
  meta: {
    id: 'runtime.python_version',
    layer: 'runtime',
    title: "the virtualenv's Python satisfies the project's requirement",
    docs: 'Compares the interpreter the unit runs with requires-python (pyproject.toml), runtime.txt or .python-version. A venv built on an older Python fails at import on newer syntax or stdlib names (typing.override, match statements).',
    gatesDeploy: true,
  },
  async gather(ctx) {
    return { service: ctx.service, python: await ctx.pythonVersion() };
  },
  judge({ service, python }) {
    if (!service.python || !python) return skip('no virtualenv or interpreter found in ExecStart');
    const venv = service.venv ?? 'VENV';
    if ('error' in python)
      return fail(`${service.python} does not run`, python.error ? [python.error] : [], [
        `python3 -m venv --clear ${venv}    # its base Python is gone or broken: a new one on this host's Python`,
        installCommand(venv, service.project),
        `systemctl restart ${service.unit}`,
      ]);
    const { version } = python;
    const want = service.project?.python;
    if (!want) return pass(`Python ${version} (the project states no requirement)`);
    if (!satisfies(version, want.spec))
      return fail(
        `Python ${version} in ${service.venv ?? service.python}, the project asks for ${want.spec} (${want.from})`,
        [],
        [
          `python3.X -m venv --clear ${venv}    # with a Python that satisfies ${want.spec}`,
          installCommand(venv, service.project),
          `systemctl restart ${service.unit}`,
        ],
      );
    return pass(`Python ${version} satisfies ${want.spec} (${want.from})`);
  },
});
