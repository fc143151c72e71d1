import { formatBind } from '../app/bind.ts';
import { EVERY_INTERFACE } from './net_bind_address.ts';
import { gatherListeners, type ListenFacts } from './net_app_listening.ts';
import { defineCheck, fail, pass, skip } from './types.ts';

/** Two TCP sockets on one port collide when either takes every address, or both take the same one. */
export function sameAddress(a: string, b: string): boolean {
  const n = (x: string) => (x === 'localhost' ? '127.0.0.1' : x.replace(/^::ffff:/, ''));
  return EVERY_INTERFACE.has(a) || EVERY_INTERFACE.has(b) || n(a) === n(b);
}

export const check = defineCheck<ListenFacts>({
  meta: {
    id: 'net.port_conflict',
    layer: 'upstream',
    title: "no other process listens on the app's port or socket",
    docs: 'Another process on the app\'s port (an old Gunicorn master left from a manual start, a second app on the same default 8000) makes the next start fail with "Address already in use", or gets Nginx\'s traffic instead of the app.',
  },
  gather: gatherListeners,
  judge({ service, listeners: all, unitPids }) {
    if (service.binds.length === 0) return skip('no bind found');
    if (!all) return skip('cannot read /proc/net');
    const mine = new Set(unitPids);
    const others = all.filter(
      (l) =>
        service.binds.some((b) =>
          b.kind === 'unix'
            ? l.kind === 'unix' && l.path === b.path
            : l.kind === 'tcp' && l.port === b.port && sameAddress(l.address, b.host),
        ) && !(l.pid !== undefined && mine.has(l.pid)),
    );
    if (others.length > 0) {
      const who = others.map((l) =>
        `${l.kind === 'unix' ? l.path : `${l.address}:${l.port}`}: ${l.command ?? '?'} (pid ${l.pid ?? '?'}) ${l.cmdline ?? ''}`.trim(),
      );
      return fail(`another process holds ${service.binds.map(formatBind).join(', ')}`, who, [
        `kill ${others[0]?.pid ?? 'PID'}    # if it is a leftover; or give the app another port in ${service.server?.configFile ?? 'ExecStart'} and Nginx`,
        `systemctl restart ${service.unit}`,
      ]);
    }
    return pass(`${service.binds.map(formatBind).join(', ')} held by ${service.unit} only`);
  },
});
