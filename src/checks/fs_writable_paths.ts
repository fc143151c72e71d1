import { posix } from 'node:path';
import { fail, pass, skip, type Check } from './types.ts';

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

export const check: Check = {
  meta: {
    id: 'fs.writable_paths',
    layer: 'host',
    title: 'the service user can write the directories the app writes to',
    docs: "Upload, media and log directories (from the app's environment and code defaults, Django's MEDIA_ROOT, Gunicorn's log files, medic.yaml's writable list), tested with the unit's own user: a directory left to root after a deploy breaks uploads with a 500 or stops the app at start-up.",
  },
  async run(ctx) {
    const { service, host } = ctx;
    const dirs = new Set<string>([...(service.project?.writable ?? []), ...(ctx.options.writable ?? [])]);
    for (const f of logFilesOf(service.server?.argv ?? service.exec?.argv ?? [])) dirs.add(posix.dirname(f));
    if (service.project?.framework === 'django') {
      const facts = await ctx.appFacts();
      if (facts?.django?.MEDIA_ROOT) dirs.add(facts.django.MEDIA_ROOT.replace(/\/+$/, ''));
    }
    if (dirs.size === 0) return skip('the app names no directory it writes to');
    if (!ctx.canActAsUser()) return skip(`run medic as root to test as ${service.user}`);
    const problems: string[] = [];
    const fix: string[] = [];
    for (const dir of [...dirs].sort()) {
      const s = await host.stat(dir);
      if (!s) {
        problems.push(`${dir} does not exist`);
        fix.push(`install -d -o ${service.user} -g ${service.group} ${dir}`);
        continue;
      }
      const r = await ctx.asUser(['test', '-w', dir, '-a', '-x', dir], { cwd: '/' });
      if (r && r.code !== 0) {
        problems.push(
          `${service.user} cannot write ${dir} (owner uid ${s.uid}, mode ${(s.mode & 0o777).toString(8)})`,
        );
        fix.push(`chown -R ${service.user}:${service.group} ${dir}`);
      }
    }
    if (problems.length > 0) return fail(problems.join('; '), [], fix);
    return pass(`${service.user} can write ${[...dirs].sort().join(', ')}`);
  },
};
