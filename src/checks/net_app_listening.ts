import { formatBind } from '../app/bind.ts';
import { fail, pass, skip, type Check } from './types.ts';

export const check: Check = {
  meta: {
    id: 'net.app_listening',
    layer: 'upstream',
    title: 'the app listens where it is configured to',
    docs: 'Each bind of the app server (TCP port or unix socket) has a listening socket owned by the unit\'s processes. A unit that is "active" but listens nowhere is still starting, hung in the import, or bound elsewhere.',
  },
  async run(ctx) {
    const { service } = ctx;
    if (service.binds.length === 0)
      return service.server?.fds?.length
        ? skip('the app takes its sockets from systemd (socket activation)')
        : skip('no bind found');
    const all = await ctx.listeners();
    if (!all) return skip('cannot read /proc/net');
    const mine = new Set((await ctx.unitProcesses()).map((p) => p.pid));
    const missing = service.binds.filter(
      (b) =>
        !all.some(
          (l) =>
            l.pid !== undefined &&
            mine.has(l.pid) &&
            (b.kind === 'unix'
              ? l.kind === 'unix' && l.path === b.path
              : l.kind === 'tcp' && l.port === b.port),
        ),
    );
    if (missing.length > 0) {
      const ownPorts = all
        .filter((l) => l.pid !== undefined && mine.has(l.pid))
        .map((l) => (l.kind === 'unix' ? l.path : `${l.address}:${l.port}`));
      return fail(
        `${service.unit} does not listen on ${missing.map(formatBind).join(', ')}`,
        ownPorts.length
          ? [`it listens on ${ownPorts.join(', ')}`]
          : [`it listens nowhere (MainPID ${ctx.mainPid()})`],
        [`medic diagnose ${service.name}`],
      );
    }
    return pass(`listening on ${service.binds.map(formatBind).join(', ')}`);
  },
};
