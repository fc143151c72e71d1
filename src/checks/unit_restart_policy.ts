import { showValue } from '../systemd/show.ts';
import type { Service } from '../discover/service.ts';
import { defineCheck, fail, pass, warn } from './types.ts';

export interface RestartPolicyFacts {
  service: Pick<Service, 'unit' | 'show'>;
}

export const check = defineCheck<RestartPolicyFacts>({
  meta: {
    id: 'unit.restart_policy',
    layer: 'process',
    title: 'systemd restarts the app when it crashes (Restart=always or on-failure)',
    docs: 'With Restart=no (the default) one crash leaves the site down until a person notices. Restart=on-failure or always, with a RestartSec= of a second or more, lets systemd recover from a crash without a restart storm.',
    risk: true,
  },
  async gather({ service }) {
    return { service };
  },
  judge({ service }) {
    const restart = showValue(service.show, 'Restart') ?? 'no';
    const sec = showValue(service.show, 'RestartUSec') ?? '';
    const fix = [
      `systemctl edit ${service.unit}    # [Service] Restart=always and RestartSec=2`,
      `systemctl daemon-reload`,
    ];
    if (restart === 'no') return fail(`Restart=no: a crash leaves ${service.unit} down`, ['Restart=no'], fix);
    if (restart === 'on-success' || restart === 'on-abort' || restart === 'on-watchdog')
      return warn(
        `Restart=${restart}: an ordinary crash (exit code 1) is not restarted`,
        [`Restart=${restart}`],
        fix,
      );
    if (/^(?:0|\d+ms)$/.test(sec) && sec !== '')
      return warn(
        `Restart=${restart} with RestartSec=${sec}: a crash loop hits the start limit at once`,
        [],
        fix,
      );
    return pass(`Restart=${restart}${sec ? `, RestartSec=${sec}` : ''}`);
  },
});
