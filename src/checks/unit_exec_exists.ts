import type { Service } from '../discover/service.ts';
import { defineCheck, fail, type FileFacts, fileFacts, pass, skip } from './types.ts';

export interface ExecFacts {
  service: Pick<Service, 'exec' | 'venv' | 'unit'>;
  /** ExecStart's executable; null when it does not exist. */
  exec: FileFacts | null;
  /** The interpreter its "#!" line names, and whether that exists. */
  shebang: string | undefined;
  shebangExists: boolean;
}

export const check = defineCheck<ExecFacts>({
  meta: {
    id: 'unit.exec_exists',
    layer: 'process',
    title: "the unit's ExecStart executable exists and can run",
    docs: 'systemd gives up with status=203/EXEC when ExecStart= names a file that is missing or not executable, as after a virtualenv was rebuilt at another path. Also follows the script\'s "#!" line: a console script whose interpreter is gone fails the same way.',
    gatesDeploy: true,
  },
  async gather(ctx) {
    const { host, service } = ctx;
    const exec = service.exec ? fileFacts(await host.stat(service.exec.path)) : null;
    const shebang = exec ? await ctx.execInterpreter() : undefined;
    return { service, exec, shebang, shebangExists: shebang ? Boolean(await host.stat(shebang)) : false };
  },
  judge({ service, exec: s, shebang, shebangExists }) {
    const exec = service.exec;
    if (!exec) return skip('the unit has no ExecStart=');
    const venvBin = service.venv ? `${service.venv}/bin` : null;
    const fix = [
      venvBin ? `ls ${venvBin}/    # what the virtualenv really has` : `command -v ${exec.argv[0] ?? ''}`,
      `systemctl edit --full ${service.unit}    # point ExecStart= at it`,
      `systemctl daemon-reload && systemctl restart ${service.unit}`,
    ];
    if (!s) return fail(`${exec.path} does not exist`, [`ExecStart=${exec.argv.join(' ')}`], fix);
    if (s.kind !== 'file' || (s.mode & 0o111) === 0)
      return fail(
        `${exec.path} is not an executable file`,
        [`mode ${(s.mode & 0o777).toString(8)}`],
        [`chmod 755 ${exec.path}`],
      );
    if (shebang && !shebangExists)
      return fail(
        `${exec.path} runs ${shebang}, which does not exist`,
        [`#!${shebang}`],
        [
          `${service.venv ?? 'VENV'}/bin/python -m pip install --force-reinstall --no-deps ${exec.path.split('/').pop()}    # rewrites the script for this virtualenv`,
        ],
      );
    return pass(`${exec.path} exists${shebang ? ` (runs ${shebang})` : ''}`);
  },
});
