// A load generator inside the box: requests through Nginx, one curl after the other, until stopped, one
// status code per line in a log; what the deploy tests count their failed requests with.
import assert from 'node:assert/strict';
import { mustPass, sh } from './box.ts';

export interface Load {
  total: number;
  bad: string[];
}

export function startLoad(url: string, log = '/tmp/medic-load.log'): void {
  mustPass(
    sh(
      `rm -f ${log}; nohup bash -c 'while true; do curl -s -o /dev/null -w "%{http_code}\\n" --max-time 5 ${url} >> ${log}; done' >/dev/null 2>&1 & echo $! > ${log}.pid`,
    ),
    'load generator',
  );
}

export function stopLoad(log = '/tmp/medic-load.log'): Load {
  sh(`kill $(cat ${log}.pid) 2>/dev/null; sleep 0.3`);
  const codes = sh(`cat ${log}`).stdout.split('\n').filter(Boolean);
  return { total: codes.length, bad: codes.filter((c) => c !== '200') };
}

export function assertNoFailedRequest(load: Load): void {
  assert.ok(load.total > 10, `only ${load.total} requests were made`);
  assert.deepEqual(load.bad, [], `${load.bad.length} of ${load.total} requests failed`);
}
