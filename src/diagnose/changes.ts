// What changed on the server before the failure: the unit, its environment, Nginx's site, the release,
// the virtualenv and the migrations, with their times. Most incidents follow a change.
import type { Host } from '../host/host.ts';
import type { ShowProperties } from '../systemd/show.ts';

export const CHANGES_WINDOW_MS = 7 * 24 * 3600_000;
const WINDOW_MS = CHANGES_WINDOW_MS;

export interface ChangeInput {
  show: ShowProperties;
  envFiles: string[];
  site: string | null;
  workdir: string | null;
  venv: string | null;
}

export async function changesOf(host: Host, input: ChangeInput): Promise<{ time: string; what: string }[]> {
  const now = host.now().getTime();
  const out: { time: string; what: string }[] = [];
  const add = async (path: string | null | undefined, what: string): Promise<void> => {
    if (!path) return;
    const s = await host.stat(path);
    if (s && now - s.mtimeMs < WINDOW_MS) out.push({ time: s.mtime.toISOString(), what: `${what}: ${path}` });
  };
  const fragment = input.show.get('FragmentPath')?.[0];
  const dropIns = (input.show.get('DropInPaths')?.[0] ?? '').split(/\s+/).filter(Boolean);
  const tasks: Promise<void>[] = [
    add(fragment, 'unit file changed'),
    ...dropIns.map((d) => add(d, 'unit drop-in changed')),
    ...input.envFiles.map((f) => add(f, 'environment file changed')),
    add(input.site, 'nginx site changed'),
    add(input.venv ? `${input.venv}/lib` : null, 'virtualenv changed'),
  ];
  if (input.workdir) {
    const workdir = input.workdir;
    tasks.push(add(workdir, 'release directory changed'));
    tasks.push(
      (async () => {
        const git = await host.run('git', ['-C', host.path(workdir), 'log', '-1', '--format=%cI %h %s'], {
          timeoutMs: 1000,
        });
        if (git.ok && git.value.code === 0 && git.value.stdout.trim()) {
          const [time, ...rest] = git.value.stdout.trim().split(' ');
          const t = new Date(time ?? '');
          if (!Number.isNaN(t.getTime()) && now - t.getTime() < WINDOW_MS)
            out.push({ time: t.toISOString(), what: `release: git HEAD ${rest.join(' ')}` });
        }
      })(),
    );
    tasks.push(
      newestMigration(host, workdir).then((m) =>
        m && now - m.mtime < WINDOW_MS
          ? void out.push({ time: new Date(m.mtime).toISOString(), what: `migration file: ${m.path}` })
          : undefined,
      ),
    );
  }
  await Promise.all(tasks);
  return out.sort((a, b) => (a.time < b.time ? -1 : 1));
}

/** The newest file in the project's migrations directories (Django apps, Alembic versions), two levels deep. */
async function newestMigration(host: Host, workdir: string): Promise<{ path: string; mtime: number } | null> {
  let best: { path: string; mtime: number } | null = null;
  const dirs = [`${workdir}/migrations/versions`, `${workdir}/alembic/versions`];
  for (const app of (await host.readdir(workdir)) ?? []) dirs.push(`${workdir}/${app}/migrations`);
  for (const dir of dirs) {
    for (const f of (await host.readdir(dir)) ?? []) {
      if (!f.endsWith('.py') || f === '__init__.py') continue;
      const s = await host.stat(`${dir}/${f}`);
      if (s && (!best || s.mtimeMs > best.mtime)) best = { path: `${dir}/${f}`, mtime: s.mtimeMs };
    }
  }
  return best;
}
