import { fail, pass, warn, type Check } from './types.ts';

export const check: Check = {
  meta: {
    id: 'unit.workdir_exists',
    layer: 'process',
    title: "the unit's WorkingDirectory exists",
    docs: 'A missing WorkingDirectory= stops the start with status=200/CHDIR, typically a release path or a "current" symlink that a deploy did not create. Without WorkingDirectory= the app starts in / and relative imports and paths break.',
  },
  async run({ host, service }) {
    const dir = service.workdir;
    if (!dir)
      return warn(
        'the unit sets no WorkingDirectory=: the app starts in / and cannot import from its project',
        [],
        [`systemctl edit ${service.unit}    # [Service] WorkingDirectory=/srv/APP`],
      );
    const s = await host.stat(dir);
    if (!s)
      return fail(
        `${dir} does not exist`,
        [`WorkingDirectory=${dir}`],
        [
          `ls -l ${dir.replace(/\/[^/]*\/?$/, '') || '/'}    # is the release there under another name?`,
          `systemctl edit ${service.unit}    # WorkingDirectory= the real release`,
        ],
      );
    if (!s.isDirectory()) return fail(`${dir} is not a directory`, [`WorkingDirectory=${dir}`]);
    return pass(`${dir} exists`);
  },
};
