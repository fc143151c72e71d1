import { showValue } from '../systemd/show.ts';
import type { Service } from '../discover/service.ts';
import { defineCheck, fail, pass, warn } from './types.ts';

export interface UnitActiveFacts {
  service: Pick<Service, 'unit' | 'name' | 'show'>;
}

export const check = defineCheck<UnitActiveFacts>({
  meta: {
    id: 'unit.active',
    layer: 'process',
    title: 'the unit is running',
    docs: 'ActiveState=active and SubState=running. A unit in auto-restart or failed is crash-looping: `medic diagnose UNIT` names the first real error.',
  },
  async gather({ service }) {
    return { service };
  },
  judge({ service }) {
    const active = showValue(service.show, 'ActiveState') ?? '?';
    const sub = showValue(service.show, 'SubState') ?? '?';
    const result = showValue(service.show, 'Result') ?? '';
    const restarts = Number(showValue(service.show, 'NRestarts') ?? 0);
    const since = showValue(service.show, 'ActiveEnterTimestamp') ?? '';
    if (active === 'active' && sub === 'running') {
      if (restarts > 0)
        return warn(
          `${service.unit} running, after ${restarts} restarts by systemd`,
          [`since ${since}`],
          [`medic diagnose ${service.name}    # why it crashed before`],
        );
      return pass(`${service.unit} active (running) since ${since}`);
    }
    return fail(
      `${service.unit} is ${active} (${sub})${result && result !== 'success' ? `, result ${result}` : ''}${restarts ? `, ${restarts} restarts` : ''}`,
      [],
      [`medic diagnose ${service.name}`],
    );
  },
});
