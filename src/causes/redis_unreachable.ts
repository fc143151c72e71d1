import { type Cause, fromSignal, unitName } from './types.ts';

const REDIS = [
  /Error (\d+) connecting to ([\w.-]+):(\d+)\./,
  /Cannot connect to redis:\/\/(?:[^@\s]*@)?([\w.-]+):(\d+)/,
  /Connection to Redis lost/,
  /Error while reading from (?:socket|[\w.-]+:\d+)/,
  /ECONNREFUSED [\d.]+:6379/,
  /Redis is loading the dataset in memory/,
  /connect call failed \('[^']+', 6379\)/i,
];

export const redisUnreachable: Cause = {
  meta: {
    id: 'redis_unreachable',
    title: 'The app (or its worker) cannot reach Redis',
    layer: 'cache',
    docs:
      'Nothing answers at the Redis URL: redis-server is stopped, bound to another address, protected ' +
      'by a password the URL lacks, or the URL names a host that only exists inside Docker.',
    degrades: true,
    worthMatching: /Error \d+ connecting|ECONNREFUSED|Connection to Redis lost|Cannot connect to redis/,
  },
  matchError(error) {
    if (!error.chain.some((e) => /redis|kombu|Redis/.test(e.type) || /redis|6379/i.test(e.message)))
      return null;
    for (const e of error.chain) {
      for (const re of REDIS) {
        const m = re.exec(e.message);
        if (m) return { host: m[2] ?? m[1] ?? '', port: m[3] ?? m[2] ?? '' };
      }
    }
    return null;
  },
  matchLine(event) {
    if (!/redis|6379/i.test(event.text)) return null;
    const m =
      REDIS[1]?.exec(event.text) ??
      (/(?:Error \d+ connecting|ECONNREFUSED|Connection to Redis lost)/.test(event.text) ? [] : null);
    return m ? { host: m[1] ?? '', port: m[2] ?? '' } : null;
  },
  decide(evidence) {
    const f = fromSignal('redis_unreachable', evidence);
    if (f) return f;
    const r = evidence.probes?.cache;
    if (r && r.result !== 'ok') {
      // medic's own connection failed just now: a measurement, not a guess.
      return {
        confidence: 'high',
        signal: null,
        evidence: [`redis probe: ${r.result}${r.message ? ` (${r.message})` : ''}`],
        captures: {},
      };
    }
    return null;
  },
  fix(_c, t) {
    return [
      `systemctl status redis-server --no-pager | head -5`,
      `redis-cli ping`,
      `systemctl start redis-server   # if it is stopped; then see: journalctl -u redis-server -n 50`,
      `systemctl restart ${unitName(t)}`,
    ];
  },
};
