import { formatBind } from '../app/bind.ts';
import type { Service } from '../discover/service.ts';
import type { Listener } from '../host/listeners.ts';
import { defineCheck, fail, pass, skip } from './types.ts';

export interface ListenFacts {
  service: Pick<Service, 'binds' | 'server' | 'unit' | 'name'>;
  /** Every listening socket with its owner; null when /proc cannot be read. */
  listeners: Listener[] | null;
  mainPid: number;
  /** The pids of the unit's main process and its descendants. */
  unitPids: number[];
}

/** The listeners and the unit's processes, shared by net.app_listening and net.port_conflict. */
export async function gatherListeners(ctx: {
  service: ListenFacts['service'];
  listeners(): Promise<Listener[] | null>;
  unitProcesses(): Promise<{ pid: number }[]>;
  mainPid(): number;
}): Promise<ListenFacts> {
  if (ctx.service.binds.length === 0)
    return { service: ctx.service, listeners: null, mainPid: 0, unitPids: [] };
  const [listeners, processes] = await Promise.all([ctx.listeners(), ctx.unitProcesses()]);
  return { service: ctx.service, listeners, mainPid: ctx.mainPid(), unitPids: processes.map((p) => p.pid) };
}

export const check = defineCheck<ListenFacts>({
  meta: {
    id: 'net.app_listening',
    layer: 'upstream',
    title: 'the app listens where it is configured to',
    docs: 'Each bind of the app server (TCP port or unix socket) has a listening socket owned by the unit\'s processes. A unit that is "active" but listens nowhere is still starting, hung in the import, or bound elsewhere.',
  },
  gather: gatherListeners,
  judge({ service, listeners: all, mainPid, unitPids }) {
    if (service.binds.length === 0)
      return service.server?.fds?.length
        ? skip('the app takes its sockets from systemd (socket activation)')
        : skip('no bind found');
    if (!all) return skip('cannot read /proc/net');
    const mine = new Set(unitPids);
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
          : [`it listens nowhere (MainPID ${mainPid})`],
        [`medic diagnose ${service.name}`],
      );
    }
    return pass(`listening on ${service.binds.map(formatBind).join(', ')}`);
  },
});
