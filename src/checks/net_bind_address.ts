import type { Bind } from '../app/bind.ts';
import { formatBind } from '../app/bind.ts';
import type { Service } from '../discover/service.ts';
import { defineCheck, fail, pass, skip } from './types.ts';

/** Bind addresses that take every interface. */
export const EVERY_INTERFACE = new Set(['0.0.0.0', '::', '*', '']);

/** Binds that accept connections from other machines: every interface, or a non-loopback address. */
export function publicBinds(binds: Bind[]): Bind[] {
  return binds.filter(
    (b) =>
      b.kind === 'tcp' &&
      (EVERY_INTERFACE.has(b.host) || !/^(?:127\.|::1$|localhost$|::ffff:127\.)/.test(b.host)),
  );
}

export interface BindAddressFacts {
  service: Pick<Service, 'binds' | 'site' | 'server' | 'unit'>;
}

export const check = defineCheck<BindAddressFacts>({
  meta: {
    id: 'net.bind_address',
    layer: 'upstream',
    title: 'behind Nginx, the app listens on loopback or a unix socket only',
    docs: 'An app behind Nginx that binds 0.0.0.0 can be reached around the proxy: no TLS, no rate limits, a Host header nobody checked. Bind 127.0.0.1:PORT or a unix socket. (Inside a container it is the reverse: 127.0.0.1 is unreachable from outside the container, bind 0.0.0.0.)',
    risk: true,
  },
  async gather({ service }) {
    return { service };
  },
  judge({ service }) {
    if (service.binds.length === 0) return skip('no bind found in ExecStart or the server config');
    const open = publicBinds(service.binds);
    const text = service.binds.map(formatBind).join(', ');
    if (open.length > 0 && service.site)
      return fail(
        `${open.map(formatBind).join(', ')}: reachable from other machines, around Nginx`,
        [`binds: ${text}`, `Nginx site: ${service.site.file}`],
        [
          `change the bind to 127.0.0.1:${open[0]?.kind === 'tcp' ? open[0].port : 'PORT'} (${service.server?.configFile ?? 'ExecStart'})`,
          `systemctl restart ${service.unit}`,
        ],
      );
    if (open.length > 0) return pass(`${text} (no Nginx site in front: the app serves clients itself)`);
    return pass(`${text}: local only`);
  },
});
