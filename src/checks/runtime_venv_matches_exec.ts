import { posix } from 'node:path';
import type { Service } from '../discover/service.ts';
import { installCommand } from './deps_installed.ts';
import { defineCheck, fail, pass, skip, warn } from './types.ts';

export interface VenvFacts {
  service: Pick<Service, 'exec' | 'venv' | 'unit' | 'project'>;
  /** The virtualenvs in the project directory (.venv, venv, env, .env that hold a pyvenv.cfg). */
  projectVenvs: string[];
  /** The unit's virtualenv exists, and has a pyvenv.cfg. */
  venvExists: boolean;
  venvHasConfig: boolean;
  /** The interpreter of ExecStart's "#!" line. */
  shebang: string | undefined;
}

export const check = defineCheck<VenvFacts>({
  meta: {
    id: 'runtime.venv_matches_exec',
    layer: 'runtime',
    title: "ExecStart runs the project's virtualenv with its own Python",
    docs: 'A virtualenv copied or moved to a new path keeps the old path in its scripts\' "#!" lines, so bin/gunicorn silently runs the old venv\'s Python and packages. Also warns when the project has a virtualenv that the unit does not use.',
    risk: true,
  },
  async gather(ctx) {
    const { host, service } = ctx;
    const projectVenvs: string[] = [];
    if (service.workdir)
      for (const name of ['.venv', 'venv', 'env', '.env']) {
        const dir = posix.join(service.workdir, name);
        if (await host.stat(posix.join(dir, 'pyvenv.cfg'))) projectVenvs.push(dir);
      }
    const venv = service.venv;
    return {
      service,
      projectVenvs,
      venvExists: venv ? Boolean(await host.stat(venv)) : false,
      venvHasConfig: venv ? Boolean(await host.stat(posix.join(venv, 'pyvenv.cfg'))) : false,
      shebang: service.exec ? await ctx.execInterpreter() : undefined,
    };
  },
  judge({ service, projectVenvs: local, venvExists, venvHasConfig, shebang }) {
    const exec = service.exec;
    if (!exec) return skip('the unit has no ExecStart=');
    const venv = service.venv;
    if (!venv) {
      if (local.length > 0)
        return warn(
          `ExecStart runs ${exec.path}, outside the project's virtualenv ${local[0]}`,
          [],
          [
            `systemctl edit --full ${service.unit}    # ExecStart=${local[0]}/bin/${posix.basename(exec.path)} …`,
          ],
        );
      return skip(`${exec.path} is not in a virtualenv`);
    }
    if (!venvHasConfig) {
      if (!venvExists) return skip(`${venv} does not exist (see unit.exec_exists)`);
      return warn(`${venv} has no pyvenv.cfg: not a virtualenv`, []);
    }
    // Only a Python named in "#!" tells: `/usr/bin/env python3`, or pip's `/bin/sh` launcher for paths over
    // 127 characters or with spaces, name no interpreter in the line itself.
    if (shebang && /\/python[\d.]*$/.test(shebang) && !shebang.startsWith(`${venv}/bin/`))
      return fail(
        `${exec.path} runs ${shebang}: another virtualenv's Python`,
        [`#!${shebang}`, `virtualenv: ${venv}`],
        [
          `python3 -m venv --clear ${venv}    # a virtualenv is not relocatable: rebuild it in place`,
          installCommand(venv, service.project),
          `systemctl restart ${service.unit}`,
        ],
      );
    const other = local.filter((d) => d !== venv);
    if (other.length > 0 && !local.includes(venv))
      return warn(`the unit runs ${venv}, the project directory has ${other.join(', ')}`, []);
    return pass(`${exec.path} runs ${shebang ?? 'directly'} in ${venv}`);
  },
});
