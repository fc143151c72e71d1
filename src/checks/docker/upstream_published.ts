import { type Bind, formatBind } from '../../app/bind.ts';
import type { UpstreamTarget } from '../../nginx/sites.ts';
import { defineCheck, fail, pass, skip } from '../types.ts';
import { configuredBinds, type ContainerContext, publishedBinds } from './context.ts';

export interface UpstreamPublishedFacts {
  name: string;
  published: Bind[];
  /** Nginx's site in front of the container and where it proxies "/", when one does. */
  site: { file: string; target: UpstreamTarget } | null;
}

export const check = defineCheck<UpstreamPublishedFacts, ContainerContext>({
  meta: {
    id: 'docker.upstream_published',
    layer: 'upstream',
    title: "Nginx's upstream is a port the container publishes",
    docs: 'Nginx on the host reaches a container through the port it publishes ("127.0.0.1:8000:8000"), not through the port inside it. A proxy_pass to a port nothing publishes, or to the container\'s port on the wrong side, is a 502 on every request.',
    gatesDeploy: true,
  },
  async gather(ctx) {
    const [c, front] = await Promise.all([ctx.inspect(), ctx.upstream()]);
    return {
      name: ctx.name,
      // between two restarts a container holds no port: what it is set to publish is what Nginx will reach
      published: c ? (c.State.Running && !c.State.Restarting ? publishedBinds(c) : configuredBinds(c)) : [],
      site: front?.upstream ? { file: front.site.file, target: front.upstream.target } : null,
    };
  },
  judge({ name, published, site }) {
    if (!site) return skip(`no Nginx site proxies to ${name}`);
    const t = site.target;
    if (t.kind !== 'tcp') return skip(`${site.file} proxies to ${formatBind(t)}, a socket`);
    const hit = published.find(
      (b) =>
        b.kind === 'tcp' &&
        b.port === t.port &&
        (b.host === '0.0.0.0' ||
          b.host === '::' ||
          b.host === t.host ||
          (t.host === 'localhost' && b.host === '127.0.0.1')),
    );
    if (hit) return pass(`${site.file} → ${formatBind(t)}, published by ${name}`);
    return fail(
      `${site.file} proxies to ${formatBind(t)}; ${name} publishes ${published.map(formatBind).join(', ') || 'no port'}`,
      [
        `proxy_pass → ${formatBind(t)}`,
        `docker port ${name}: ${published.map(formatBind).join(', ') || '(none)'}`,
      ],
      [
        `grep -n proxy_pass ${site.file}`,
        published[0]
          ? `# point proxy_pass at http://${formatBind(published[0])}, or publish ${t.port} in docker-compose.yml; then: nginx -t && systemctl reload nginx`
          : `# publish the app's port on the host in docker-compose.yml ("127.0.0.1:${t.port}:8000"), then docker compose up -d`,
      ],
    );
  },
});
