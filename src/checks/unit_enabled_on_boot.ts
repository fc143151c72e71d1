import type { Service } from '../discover/service.ts';
import { defineCheck, fail, pass, warn } from './types.ts';

export interface EnabledFacts {
  service: Pick<Service, 'unit'>;
  /** What `systemctl is-enabled UNIT` printed ("enabled", "disabled", "masked"…), or "unknown". */
  state: string;
}

export const check = defineCheck<EnabledFacts>({
  meta: {
    id: 'unit.enabled_on_boot',
    layer: 'process',
    title: 'the unit starts at boot (systemctl is-enabled)',
    docs: "A unit that runs today but is not enabled does not come back after a reboot or a provider's maintenance: the site stays down until someone starts it by hand.",
    risk: true,
  },
  async gather({ host, service, timeoutMs }) {
    const r = await host.run('systemctl', ['is-enabled', service.unit], { timeoutMs });
    return { service, state: r.ok ? r.value.stdout.trim() || r.value.stderr.trim() : 'unknown' };
  },
  judge({ service, state }) {
    if (['enabled', 'enabled-runtime', 'static', 'alias', 'indirect', 'generated'].includes(state))
      return pass(`${service.unit} is ${state}`);
    if (state === 'masked')
      return fail(
        `${service.unit} is masked: it cannot start at all`,
        [],
        [`systemctl unmask ${service.unit} && systemctl enable --now ${service.unit}`],
      );
    if (state === 'disabled')
      return fail(
        `${service.unit} is disabled: it will not start after a reboot`,
        [],
        [`systemctl enable ${service.unit}`],
      );
    return warn(`systemctl is-enabled ${service.unit}: ${state}`, [], [`systemctl enable ${service.unit}`]);
  },
});
