import { plainServerNames, type Service } from '../discover/service.ts';
import type { AppFacts } from './context.ts';
import { defineCheck, fail, pass, skip } from './types.ts';

/** Django's validate_host: "*" matches all, ".example.com" matches it and its subdomains, else exact (no port). */
export function hostAllowed(host: string, allowed: string[]): boolean {
  const h = host.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
  return allowed.some((pattern) => {
    const p = pattern.toLowerCase();
    if (p === '*') return true;
    if (p.startsWith('.')) return h === p.slice(1) || h.endsWith(p);
    return h === p;
  });
}

export interface AllowedHostsFacts {
  service: Pick<Service, 'project' | 'site' | 'unit' | 'env' | 'envSource'>;
  /** Django's settings as the app loads them; null when they could not be loaded. */
  django: AppFacts['django'] | null;
}

export const check = defineCheck<AllowedHostsFacts>({
  meta: {
    id: 'django.allowed_hosts_match',
    layer: 'app',
    title: "every server_name Nginx serves the app under is in Django's ALLOWED_HOSTS",
    docs: 'Nginx passes the Host header through; Django answers 400 Bad Request (DisallowedHost) for a name missing from ALLOWED_HOSTS. Compares the server_name values of the site in front of the app with ALLOWED_HOSTS as the app loads it.',
    runsAppPython: true,
  },
  async gather(ctx) {
    const { service } = ctx;
    const applies =
      service.project?.framework === 'django' && service.site && plainServerNames(service.site).length > 0;
    return { service, django: applies ? ((await ctx.appFacts())?.django ?? null) : null };
  },
  judge({ service, django }) {
    if (service.project?.framework !== 'django') return skip('not a Django project');
    if (!service.site) return skip('no Nginx site in front of the app');
    const names = plainServerNames(service.site);
    if (names.length === 0) return skip('the site has no plain server_name');
    if (!django) return skip('could not load the Django settings (see app.importable)');
    const missing = names.filter((n) => !hostAllowed(n, django.ALLOWED_HOSTS));
    if (missing.length > 0)
      return fail(
        `${missing.join(', ')} not in ALLOWED_HOSTS: Django answers 400`,
        [
          `ALLOWED_HOSTS = ${JSON.stringify(django.ALLOWED_HOSTS)}`,
          `server_name ${names.join(' ')} (${service.site.file})`,
        ],
        [
          `add ${missing.join(',')} to ALLOWED_HOSTS${service.env.ALLOWED_HOSTS !== undefined ? ` in ${service.envSource.ALLOWED_HOSTS ?? 'the env file'}` : ''}`,
          `systemctl restart ${service.unit}`,
        ],
      );
    return pass(`${names.join(', ')} allowed (ALLOWED_HOSTS ${JSON.stringify(django.ALLOWED_HOSTS)})`);
  },
});
