import { satisfies } from '../discover/project.ts';
import { fail, pass, skip, type Check } from './types.ts';

export const check: Check = {
  meta: {
    id: 'runtime.python_version',
    layer: 'runtime',
    title: "the virtualenv's Python satisfies the project's requirement",
    docs: 'Compares the interpreter the unit runs with requires-python (pyproject.toml), runtime.txt or .python-version. A venv built on an older Python fails at import on newer syntax or stdlib names (typing.override, match statements).',
  },
  async run({ host, service, timeoutMs }) {
    if (!service.python) return skip('no virtualenv or interpreter found in ExecStart');
    const r = await host.run(service.python, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], {
      timeoutMs,
    });
    if (!r.ok || r.value.code !== 0)
      return fail(
        `${service.python} does not run`,
        [r.ok ? (r.value.stderr.trim().split('\n').pop() ?? '') : r.error.message],
        [
          `python3 -m venv --clear ${service.venv ?? 'VENV'} && ${service.venv ?? 'VENV'}/bin/pip install -r requirements.txt`,
        ],
      );
    const version = r.value.stdout.trim();
    const want = service.project?.python;
    if (!want) return pass(`Python ${version} (the project states no requirement)`);
    if (!satisfies(version, want.spec))
      return fail(
        `Python ${version} in ${service.venv ?? service.python}, the project asks for ${want.spec} (${want.from})`,
        [],
        [
          `python3.X -m venv --clear ${service.venv ?? 'VENV'}    # with a Python that satisfies ${want.spec}`,
          `${service.venv ?? 'VENV'}/bin/pip install -r ${service.project?.requirementFiles[0] ?? 'requirements.txt'}`,
          `systemctl restart ${service.unit}`,
        ],
      );
    return pass(`Python ${version} satisfies ${want.spec} (${want.from})`);
  },
};
