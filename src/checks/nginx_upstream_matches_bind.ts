import { formatBind } from '../app/bind.ts';
import { reaches, upstreamOf } from '../nginx/sites.ts';
import type { Service } from '../discover/service.ts';
import { defineCheck, fail, pass, skip } from './types.ts';

export interface UpstreamFacts {
  service: Pick<Service, 'site' | 'binds' | 'unit'>;
}

export const check = defineCheck<UpstreamFacts>({
  meta: {
    id: 'nginx.upstream_matches_bind',
    layer: 'proxy',
    title: "Nginx's proxy_pass reaches the address the app binds",
    docs: 'Compares every proxy_pass / uwsgi_pass target of the site (through upstream blocks) with the app server\'s binds: the same socket path, or the same port on an address the bind accepts (127.0.0.1 does not reach [::1], "localhost" tries both). A mismatch is a 502 on every request while both sides look healthy.',
  },
  async gather({ service }) {
    return { service };
  },
  judge({ service }) {
    const site = service.site;
    if (!site) return skip('no Nginx site in front of the app');
    if (service.binds.length === 0) return skip('no bind found for the app');
    const targets = upstreamOf(site);
    if (targets.length === 0) return skip(`${site.file} proxies nowhere`);
    const lost = targets.filter((t) => !service.binds.some((b) => reaches(t.target, b)));
    const binds = service.binds.map(formatBind).join(', ');
    if (lost.length > 0) {
      const t = lost[0];
      return fail(
        `Nginx sends ${lost.map((l) => `location ${l.location}`).join(', ')} to ${lost.map((l) => formatBind(l.target)).join(', ')}; the app binds ${binds}`,
        [
          `${site.file}: proxy_pass ${t?.upstreamName ?? (t ? formatBind(t.target) : '')}`,
          `${service.unit}: bind ${binds}`,
        ],
        [
          `edit ${site.file}: proxy_pass http://${service.binds[0]?.kind === 'unix' ? `unix:${service.binds[0].path}` : formatBind(service.binds[0] ?? { kind: 'unix', path: '' })};  (or change the app's bind)`,
          'nginx -t && systemctl reload nginx',
        ],
      );
    }
    return pass(
      `${site.file} → ${[...new Set(targets.map((t) => formatBind(t.target)))].join(', ')} = the app's bind`,
    );
  },
});
