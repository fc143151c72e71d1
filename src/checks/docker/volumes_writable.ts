import type { ArchiveEntry } from '../../host/docker.ts';
import { defineCheck, fail, pass, skip } from '../types.ts';
import { canWrite, type ContainerContext, type ContainerUser, SERVICE } from './context.ts';

export interface VolumesWritableFacts {
  name: string;
  image: string;
  service: string | null;
  /** Who the container runs as; null when its User names nobody in its /etc/passwd. */
  user: ContainerUser | null;
  /** Each read-write directory mounted in it: where, from what, and its owner and mode as the container sees them. */
  mounts: {
    destination: string;
    source: string;
    dir: Pick<ArchiveEntry, 'uid' | 'gid' | 'mode' | 'type'> | null;
  }[];
}

export const check = defineCheck<VolumesWritableFacts, ContainerContext>({
  meta: {
    id: 'docker.volumes_writable',
    layer: 'host',
    title: "the container's user can write into every volume mounted read-write",
    docs: "A named volume is created owned by root unless the image made the directory first; an image that runs as USER app then fails at its first write (PermissionError [Errno 13] on a log file, an upload, a SQLite database). Compares each read-write mount's owner and mode, as the container sees them, with the uid and groups of its user from its own /etc/passwd.",
    gatesDeploy: true,
  },
  async gather(ctx) {
    const c = await ctx.inspect();
    const rw = (c?.Mounts ?? []).filter((m) => m.RW !== false && (m.Type === 'volume' || m.Type === 'bind'));
    const [user, dirs] = await Promise.all([
      ctx.user(),
      Promise.all(rw.map((m) => ctx.mountDir(m.Destination))),
    ]);
    return {
      name: ctx.name,
      image: c?.Config.Image ?? 'IMAGE',
      service: c?.Config.Labels?.[SERVICE] ?? null,
      user,
      mounts: rw.map((m, i) => ({
        destination: m.Destination,
        source: m.Type === 'volume' ? `volume ${m.Name ?? '?'}` : (m.Source ?? '?'),
        dir: dirs[i] ?? null,
      })),
    };
  },
  judge({ name, image, service, user, mounts }) {
    const dirs = mounts.filter((m) => m.dir?.type === 'directory');
    if (dirs.length === 0) return skip('no directory mounted read-write');
    if (!user) return skip(`its user is not in its /etc/passwd: cannot tell what it may write`);
    const denied = dirs.filter((m) => m.dir && !canWrite(user, m.dir));
    if (denied.length === 0)
      return pass(`${user.name} can write ${dirs.map((m) => m.destination).join(', ')}`);
    return fail(
      `${name} runs as ${user.name} (uid ${user.uid}), which cannot write ${denied.map((m) => m.destination).join(', ')}`,
      denied.map(
        (m) =>
          `${m.destination} (${m.source}): owner uid ${m.dir?.uid}, gid ${m.dir?.gid}, mode ${((m.dir?.mode ?? 0) & 0o777).toString(8).padStart(3, '0')}`,
      ),
      [
        ...denied.map(
          (m) =>
            `docker run --rm -v ${m.source.startsWith('volume ') ? m.source.slice(7) : m.source}:/v --user root --entrypoint chown ${image} -R ${user.uid}:${user.gids[0] ?? user.uid} /v    # or mkdir and chown it in the Dockerfile before VOLUME`,
        ),
        service ? `docker compose up -d ${service}` : `docker restart ${name}`,
      ],
    );
  },
});
