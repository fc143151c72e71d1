import { type Directive, walk } from '../nginx/config.ts';
import type { Service } from '../discover/service.ts';
import { defineCheck, fail, pass, skip, warn } from './types.ts';

const WANTED = ['host', 'x-forwarded-for', 'x-forwarded-proto'] as const;

/**
 * The proxy_set_header names in force for a proxy_pass: nginx inherits the directive from the enclosing
 * levels only when the inner level sets none, so the innermost level that sets any wins alone.
 */
export function effectiveProxyHeaders(chain: Directive[][]): Set<string> {
  for (const level of [...chain].reverse()) {
    const set = level.filter((d) => d.name === 'proxy_set_header');
    if (set.length > 0) return new Set(set.map((d) => (d.args[0] ?? '').toLowerCase()));
    if (level.some((d) => d.name === 'include' && /proxy_params/.test(d.args[0] ?? '')))
      return new Set(['host', 'x-real-ip', 'x-forwarded-for', 'x-forwarded-proto']);
  }
  return new Set();
}

export interface ProxyHeadersFacts {
  service: Pick<Service, 'site' | 'nginx'>;
}

export const check = defineCheck<ProxyHeadersFacts>({
  meta: {
    id: 'nginx.proxy_headers',
    layer: 'proxy',
    title: 'Nginx passes Host, X-Forwarded-For and X-Forwarded-Proto to the app',
    docs: 'Without Host the app sees "localhost" (Django answers 400, redirects and absolute URLs break); without X-Forwarded-Proto it believes every request is plain HTTP (redirect loops behind TLS, insecure-cookie errors); without X-Forwarded-For every client has Nginx\'s address. Follows nginx\'s rule that a location setting any proxy_set_header drops all the inherited ones.',
    risk: true,
  },
  async gather({ service }) {
    return { service };
  },
  judge({ service }) {
    const site = service.site;
    const directives = service.nginx?.directives ?? [];
    if (!site || directives.length === 0) return skip('no Nginx site in front of the app');
    const missing = new Map<string, Set<string>>();
    let looked = 0;
    for (const { directive, parents } of walk(directives)) {
      if (directive.name !== 'proxy_pass') continue;
      const server = parents.find((p) => p.name === 'server');
      if (!server || server.file !== site.file || server.line !== site.line) continue;
      looked += 1;
      // the levels: http, server, each location, and the proxy_pass's own block
      const levels = parents.filter((p) => p.block).map((p) => p.block ?? []);
      const have = effectiveProxyHeaders(levels);
      const location = [...parents].reverse().find((p) => p.name === 'location');
      const where = location ? `location ${location.args.join(' ')}` : 'server';
      for (const h of WANTED) if (!have.has(h)) missing.set(where, (missing.get(where) ?? new Set()).add(h));
    }
    if (looked === 0) return skip(`${site.file} has no proxy_pass`);
    if (missing.size === 0)
      return pass(`${WANTED.map((h) => h.replace(/(^|-)\w/g, (c) => c.toUpperCase())).join(', ')} passed`);
    const evidence = [...missing].map(([where, hs]) => `${site.file} ${where}: no ${[...hs].join(', ')}`);
    const lines = {
      host: 'proxy_set_header Host $host;',
      'x-forwarded-for': 'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
      'x-forwarded-proto': 'proxy_set_header X-Forwarded-Proto $scheme;',
    } as Record<string, string>;
    const all = new Set([...missing.values()].flatMap((s) => [...s]));
    const fix = [
      `add to ${site.file}, beside proxy_pass: ${[...all].map((h) => lines[h]).join(' ')}`,
      'nginx -t && systemctl reload nginx',
    ];
    if (all.has('host') || all.has('x-forwarded-proto'))
      return fail(`${[...all].join(', ')} not passed to the app`, evidence, fix);
    return warn(`${[...all].join(', ')} not passed to the app`, evidence, fix);
  },
});
