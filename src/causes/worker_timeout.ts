import { type Cause, fromSignal, unitName } from './types.ts';

export const workerTimeout: Cause = {
  meta: {
    id: 'worker_timeout',
    title: 'Requests take longer than the Gunicorn worker timeout, and workers are killed',
    layer: 'app',
    docs:
      'A request (a slow query, an export, a call to a slow external API) keeps a sync worker busy past ' +
      '--timeout; the arbiter kills the worker and Nginx answers 502. The app is otherwise up.',
  },
  matchLine(event) {
    const m = /WORKER TIMEOUT \(pid:(\d+)\)/.exec(event.text);
    return m ? { pid: m[1] ?? '' } : null;
  },
  decide: (evidence) => fromSignal('worker_timeout', evidence),
  fix(_c, t) {
    return [
      `journalctl -u ${unitName(t)} --no-pager | grep -B2 'WORKER TIMEOUT' | tail -6`,
      `grep -E '"(GET|POST)' /var/log/nginx/access.log | awk '$9 == 502' | tail -5   # which route`,
      `# make the slow route fast (or move it to a worker queue); only then raise --timeout in ${unitName(t)}`,
    ];
  },
};
