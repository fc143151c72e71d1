import { type Cause, cite, unitName } from './types.ts';

export const workerDown: Cause = {
  meta: {
    id: 'worker_down',
    title: 'The background worker (Celery/RQ) is not running: tasks pile up',
    layer: 'workers',
    docs:
      'The web app keeps accepting work and queues tasks, but no worker consumes them: the worker unit ' +
      'was stopped or crashed, or it was never restarted after a deploy. Emails, exports and other ' +
      'background jobs silently stop.',
    degrades: true,
    worthMatching:
      /shutdown|Stopped |Deactivated successfully|No nodes replied|ready\.|started|Listening on /,
  },
  matchLine(event) {
    const t = event.text;
    if (
      /worker: (?:Warm|Cold) shutdown|Stopped .*(?:celery|rq|worker)|^(?:celery|rq|worker)\S*\.service: Deactivated successfully/i.test(
        t,
      ) &&
      /celery|rq|worker|Warm|Cold/i.test(`${event.unit ?? ''} ${t}`)
    ) {
      return { state: 'down', worker: event.unit ?? '' };
    }
    if (/No nodes replied within time constraint/.test(t)) return { state: 'down', worker: '' };
    if (/celery@\S+ ready\.|Worker rq:worker:\S+ started|Listening on \S+\.\.\./.test(t))
      return { state: 'up', worker: event.unit ?? '' };
    return null;
  },
  decide(evidence) {
    const down = evidence.probes?.workers?.filter((w) => w.active !== 'active') ?? [];
    if (down.length > 0) {
      return {
        confidence: 'high',
        signal: null,
        evidence: down.map((w) => `${w.unit} is ${w.active}`),
        captures: { worker: down[0]?.unit ?? '' },
      };
    }
    const s = evidence.signals.get('worker_down');
    // a message of the inventory that says no worker runs (not a shutdown, which a restart prints too)
    const says =
      s && (s.last.captures.state === 'down' || (s.last.captures.program && !s.last.captures.weak));
    if (!s || !says) return null;
    return {
      confidence: 'medium',
      signal: s.last,
      evidence: [cite(s.last.origin, s.last.event), 'no worker started after it'],
      captures: s.last.captures,
    };
  },
  fix(c, t) {
    const worker = c.worker || `${(t.unit ?? 'APP').replace(/\.service$/, '')}-celery`;
    return [
      `systemctl status ${worker} --no-pager | head -5`,
      `systemctl enable --now ${worker}`,
      `journalctl -u ${worker} -n 30 --no-pager   # if it does not stay up (the app: ${unitName(t)})`,
    ];
  },
};
