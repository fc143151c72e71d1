import type { Service } from '../discover/service.ts';
import { defineCheck, fail, pass, skip } from './types.ts';

export interface WorkersFacts {
  service: Pick<Service, 'workers'>;
}

export const check = defineCheck<WorkersFacts>({
  meta: {
    id: 'workers.running',
    layer: 'workers',
    title: "the app's task workers (Celery, RQ, Dramatiq) are running",
    docs: 'Worker units named after the app (APP-celery, APP-worker, …). A stopped worker does not break a page; tasks pile up in the broker and emails, exports and payments silently never happen.',
  },
  async gather({ service }) {
    return { service };
  },
  judge({ service }) {
    if (service.workers.length === 0) return skip('no worker unit for this app');
    const down = service.workers.filter((w) => w.active !== 'active');
    if (down.length > 0)
      return fail(
        down.map((w) => `${w.id} is ${w.active}`).join(', '),
        [],
        [
          ...down.map((w) => `systemctl start ${w.id}`),
          `medic diagnose ${down[0]?.id.replace(/\.service$/, '') ?? ''}    # if it does not stay up`,
        ],
      );
    return pass(service.workers.map((w) => `${w.id} active`).join(', '));
  },
});
