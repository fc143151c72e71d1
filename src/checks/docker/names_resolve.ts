import type { ContainerInspect } from '../../host/docker.ts';
import { defineCheck, fail, pass, skip } from '../types.ts';
import { type ContainerContext, nameOf, namesOn, SERVICE } from './context.ts';

export interface NamesResolveFacts {
  container: ContainerInspect | null;
  siblings: ContainerInspect[];
}

/** The service names the container's env points at: the host of each URL or *_HOST that is one bare word. */
export function namesInEnv(env: readonly string[]): { variable: string; name: string }[] {
  const out: { variable: string; name: string }[] = [];
  for (const entry of env) {
    const eq = entry.indexOf('=');
    const variable = entry.slice(0, eq);
    const value = entry.slice(eq + 1).trim();
    let host: string | undefined;
    const url = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/\s]*@)?([^:/?#\s]+)/i.exec(value);
    if (url) host = url[1];
    else if (/_HOST$/.test(variable)) host = value;
    if (
      host &&
      /^[a-z][a-z0-9_-]{0,62}$/i.test(host) &&
      host !== 'localhost' &&
      !out.some((o) => o.name === host)
    )
      out.push({ variable, name: host });
  }
  return out;
}

export const check = defineCheck<NamesResolveFacts, ContainerContext>({
  meta: {
    id: 'docker.names_resolve',
    layer: 'dns',
    title: 'the service names in its env (db, cache) are containers on a network it shares',
    docs: 'Docker\'s DNS answers a compose service\'s name only to containers on the same network. A db on another network, a service renamed in compose but not in DATABASE_URL, or a container started with docker run outside the project: the app cannot resolve the name ("could not translate host name", "Name or service not known").',
    gatesDeploy: true,
  },
  async gather(ctx) {
    const [container, siblings] = await Promise.all([ctx.inspect(), ctx.siblings()]);
    return { container, siblings };
  },
  judge({ container: c, siblings }) {
    if (!c) return fail('the engine no longer knows the container');
    const wanted = namesInEnv(c.Config.Env ?? []);
    if (wanted.length === 0) return skip('no service name in its env');
    const networks = Object.keys(c.NetworkSettings.Networks ?? {});
    const everyone = [c, ...siblings];
    const missing: string[] = [];
    const fix: string[] = [];
    for (const { variable, name } of wanted) {
      const reachable = networks.some((n) => everyone.some((x) => namesOn(x, n).includes(name)));
      if (reachable) continue;
      const elsewhere = siblings.find((x) =>
        Object.keys(x.NetworkSettings.Networks ?? {}).some((n) => namesOn(x, n).includes(name)),
      );
      if (elsewhere) {
        const theirs = Object.keys(elsewhere.NetworkSettings.Networks ?? {});
        missing.push(
          `${variable} names ${name}: ${nameOf(elsewhere)} is on ${theirs.join(', ')}, ${nameOf(c)} on ${networks.join(', ')}`,
        );
        fix.push(
          `# put ${elsewhere.Config.Labels?.[SERVICE] ?? nameOf(elsewhere)} and ${c.Config.Labels?.[SERVICE] ?? nameOf(c)} on one network in docker-compose.yml (networks:), then docker compose up -d`,
        );
      } else {
        missing.push(`${variable} names ${name}: no container of the project answers to it`);
        fix.push(
          `docker ps -a --format '{{.Names}} {{.Label "com.docker.compose.service"}} {{.Networks}}'   # is ${name} named otherwise?`,
        );
      }
    }
    if (missing.length === 0)
      return pass(`${wanted.map((w) => w.name).join(', ')} resolve on ${networks.join(', ')}`);
    return fail(
      `${missing.length === 1 ? 'a name' : 'names'} its env uses cannot resolve: ${wanted
        .filter((w) => missing.some((m) => m.includes(` ${w.name}:`)))
        .map((w) => w.name)
        .join(', ')}`,
      missing,
      fix,
    );
  },
});
