import { posix } from 'node:path';
import type { Service } from '../discover/service.ts';
import { defineCheck, fail, type FileFacts, fileFacts, pass, skip } from './types.ts';

/** Log files Gunicorn and Uvicorn are told to write (--error-logfile, --access-logfile, --log-file). */
export function logFilesOf(argv: string[]): string[] {
  const out: string[] = [];
  argv.forEach((a, i) => {
    const m = /^--(?:error-logfile|access-logfile|log-file)(?:=(.*))?$/.exec(a);
    const v = m ? (m[1] ?? argv[i + 1]) : undefined;
    if (v && v.startsWith('/')) out.push(v);
  });
  return out;
}

export interface WritableFacts {
  service: Pick<Service, 'user' | 'group'>;
  canActAsUser: boolean;
  /** Each directory the app writes to (sorted): what stat says, and whether the service user may write it. */
  dirs: { path: string; stat: FileFacts | null; userCanWrite: boolean | null }[];
}

export const check = defineCheck<WritableFacts>({
  meta: {
    id: 'fs.writable_paths',
    layer: 'host',
    title: 'the service user can write the directories the app writes to',
    docs: "Upload, media and log directories (from the app's environment and code defaults, Django's MEDIA_ROOT, Gunicorn's log files, medic.yaml's writable list), tested with the unit's own user: a directory left to root after a deploy breaks uploads with a 500 or stops the app at start-up.",
    runsAppPython: true,
  },
  async gather(ctx) {
    const { service, host } = ctx;
    const paths = new Set<string>([...(service.project?.writable ?? []), ...(ctx.options.writable ?? [])]);
    for (const f of logFilesOf(service.server?.argv ?? service.exec?.argv ?? [])) paths.add(posix.dirname(f));
    if (service.project?.framework === 'django') {
      const facts = await ctx.appFacts();
      if (facts?.django?.MEDIA_ROOT) paths.add(facts.django.MEDIA_ROOT.replace(/\/+$/, ''));
    }
    const canActAsUser = ctx.canActAsUser();
    const dirs: WritableFacts['dirs'] = [];
    for (const path of [...paths].sort()) {
      const stat = canActAsUser ? fileFacts(await host.stat(path)) : null;
      const r = stat ? await ctx.asUser(['test', '-w', path, '-a', '-x', path], { cwd: '/' }) : null;
      dirs.push({ path, stat, userCanWrite: r ? r.code === 0 : null });
    }
    return { service, canActAsUser, dirs };
  },
  judge({ service, canActAsUser, dirs }) {
    if (dirs.length === 0) return skip('the app names no directory it writes to');
    if (!canActAsUser) return skip(`run medic as root to test as ${service.user}`);
    const problems: string[] = [];
    const fix: string[] = [];
    for (const { path, stat, userCanWrite } of dirs) {
      if (!stat) {
        problems.push(`${path} does not exist`);
        fix.push(`install -d -o ${service.user} -g ${service.group} ${path}`);
        continue;
      }
      if (userCanWrite === false) {
        problems.push(
          `${service.user} cannot write ${path} (owner uid ${stat.uid}, mode ${(stat.mode & 0o777).toString(8)})`,
        );
        fix.push(`chown -R ${service.user}:${service.group} ${path}`);
      }
    }
    if (problems.length > 0) return fail(problems.join('; '), [], fix);
    return pass(`${service.user} can write ${dirs.map((d) => d.path).join(', ')}`);
  },
});
