// medic self install: the running single executable copied to PREFIX/medic, whole or not at all, its bytes
// checked against the medic.sha256 built beside it. Nothing else on the machine is touched.
import { join, resolve } from 'node:path';
import { installCopy, isDirectory, readText, sha256File } from '../host/files.ts';
import { codeOf } from '../host/probe.ts';
import { singleExecutable } from '../host/self.ts';
import { jsonOf } from '../report/json.ts';
import { EXIT } from '../cli/exit.ts';
import { UsageError } from '../errors.ts';
import { version, type Context } from '../cli/main.ts';

export interface SelfInstallOptions {
  prefix: string;
}

export async function selfInstall(opts: SelfInstallOptions, ctx: Context): Promise<void> {
  if (ctx.format !== 'text' && ctx.format !== 'json')
    throw new UsageError(`--format ${ctx.format}: medic self install prints text or json`);
  if (!singleExecutable)
    throw new UsageError(
      'self install copies the single executable, and this is Node running bin/medic.js: run npm run build, then dist/medic self install',
    );
  const source = process.execPath;
  const target = join(resolve(opts.prefix), 'medic');
  const sha256 = await sha256File(source);
  if (!sha256) throw new UsageError(`cannot read ${source}, the executable running`);
  const listed = await readText(`${source}.sha256`);
  const expected = listed?.split(/\s/)[0];
  if (listed !== null && expected !== sha256)
    throw new UsageError(`${source} does not match ${source}.sha256: build it again, or copy both again`);
  if ((await isDirectory(opts.prefix)) !== true)
    throw new UsageError(`--prefix ${opts.prefix}: no such directory`);

  const already = (await sha256File(target)) === sha256;
  if (!already) {
    const copied = await installCopy(source, target, sha256).catch((error: unknown) => {
      const why =
        codeOf(error) === 'EACCES' || codeOf(error) === 'EPERM' ? 'permission denied' : codeOf(error);
      throw new UsageError(
        `cannot write ${target}: ${why ?? String(error)}${why === 'permission denied' ? ' (run it as root, or give --prefix)' : ''}`,
      );
    });
    if (!copied) throw new UsageError(`the copy at ${target} read back different: nothing was replaced`);
  }
  const state = already ? 'already installed' : 'installed';
  if (ctx.format === 'json')
    ctx.out(
      jsonOf('self install', 'installs', [
        { path: target, version, sha256, state, checked: listed !== null ? `${source}.sha256` : null },
      ]),
    );
  else
    ctx.out(
      `medic ${version} ${state}: ${target} (sha256 ${sha256.slice(0, 16)}…${listed !== null ? `, as ${source}.sha256 says` : ''})`,
    );
  process.exitCode = EXIT.ok;
}
