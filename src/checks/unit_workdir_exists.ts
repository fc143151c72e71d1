import type { Service } from '../discover/service.ts';
import { defineCheck, fail, type FileFacts, fileFacts, pass, warn } from './types.ts';

export interface WorkdirFacts {
  service: Pick<Service, 'workdir' | 'unit'>;
  /** WorkingDirectory='s stat; null when it does not exist. */
  workdir: FileFacts | null;
}

export const check = defineCheck<WorkdirFacts>({
  meta: {
    id: 'unit.workdir_exists',
    layer: 'process',
    title: "the unit's WorkingDirectory exists",
    docs: 'A missing WorkingDirectory= stops the start with status=200/CHDIR, typically a release path or a "current" symlink that a deploy did not create. Without WorkingDirectory= the app starts in / and relative imports and paths break.',
  },
  async gather({ host, service }) {
    return { service, workdir: service.workdir ? fileFacts(await host.stat(service.workdir)) : null };
  },
  judge({ service, workdir: s }) {
    const dir = service.workdir;
    if (!dir)
      return warn(
        'the unit sets no WorkingDirectory=: the app starts in / and cannot import from its project',
        [],
        [`systemctl edit ${service.unit}    # [Service] WorkingDirectory=/srv/APP`],
      );
    if (!s)
      return fail(
        `${dir} does not exist`,
        [`WorkingDirectory=${dir}`],
        [
          `ls -l ${dir.replace(/\/[^/]*\/?$/, '') || '/'}    # is the release there under another name?`,
          `systemctl edit ${service.unit}    # WorkingDirectory= the real release`,
        ],
      );
    if (s.kind !== 'directory') return fail(`${dir} is not a directory`, [`WorkingDirectory=${dir}`]);
    return pass(`${dir} exists`);
  },
});
