import { fail, pass, warn, type Check } from './types.ts';

export const check: Check = {
  meta: {
    id: 'unit.enabled_on_boot',
    layer: 'process',
    title: 'the unit starts at boot (systemctl is-enabled)',
    docs: "A unit that runs today but is not enabled does not come back after a reboot or a provider's maintenance: the site stays down until someone starts it by hand.",
  },
  async run({ host, service, timeoutMs }) {
    const r = await host.run('systemctl', ['is-enabled', service.unit], { timeoutMs });
    const state = r.ok ? r.value.stdout.trim() || r.value.stderr.trim() : 'unknown';
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
};
