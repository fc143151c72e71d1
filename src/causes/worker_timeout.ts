import { type Cause, type Evidence, fromSignal, unitName } from './types.ts';

/**
 * Worker classes whose heartbeat does not wait for a request (Gunicorn's docs on --timeout: "for the non
 * sync workers it just means that the worker process is still communicating and is not tied to the length
 * of time required to handle a single request"): their WORKER TIMEOUT means the whole process was stuck.
 */
const NOT_PER_REQUEST = /gevent|eventlet|tornado|gthread|uvicorn|aiohttp|GunicornWebWorker|Asyncio/i;

function asyncWorker(evidence: Evidence): string | null {
  const k = evidence.workerClass;
  return k && NOT_PER_REQUEST.test(k) ? k : null;
}

export const workerTimeout: Cause = {
  meta: {
    id: 'worker_timeout',
    title: 'Requests take longer than the Gunicorn worker timeout, and workers are killed',
    layer: 'app',
    docs:
      'A request (a slow query, an export, a call to a slow external API) keeps a sync worker busy past ' +
      '--timeout; the arbiter kills the worker and Nginx answers 502. The app is otherwise up.',
    degrades: true,
    worthMatching: /WORKER TIMEOUT/,
  },
  matchLine(event) {
    const m = /WORKER TIMEOUT \(pid:(\d+)\)/.exec(event.text);
    return m ? { pid: m[1] ?? '' } : null;
  },
  decide: (evidence) => (asyncWorker(evidence) ? null : fromSignal('worker_timeout', evidence)),
  ruledOut(evidence) {
    const k = asyncWorker(evidence);
    return k
      ? `the workers are ${k}: a WORKER TIMEOUT there is not a slow request but a process stuck whole ` +
          '(a blocking call its loop cannot switch out of, a C library, an unreachable service called ' +
          'without a timeout); raising --timeout will not help'
      : null;
  },
  fix(_c, t) {
    return [
      `journalctl -u ${unitName(t)} --no-pager | grep -B2 'WORKER TIMEOUT' | tail -6`,
      `grep -E '"(GET|POST)' /var/log/nginx/access.log | awk '$9 == 502' | tail -5   # which route`,
      `# make the slow route fast (or move it to a worker queue); only then raise --timeout in ${unitName(t)}`,
    ];
  },
};
