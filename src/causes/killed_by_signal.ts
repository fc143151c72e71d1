import { stopTimeoutKills } from './oom_killed.ts';
import { type Cause, cite, type Evidence, type Finding, unitName } from './types.ts';

/**
 * The app died by SIGKILL and the kernel's log, read live, has no OOM kill at that moment: a person, a
 * script or another tool killed it. Offline, without the kernel's log, the same lines stay oom_killed.
 */
export const killedBySignal: Cause = {
  meta: {
    id: 'killed_by_signal',
    title: 'Something on this server killed the app (SIGKILL), not the OOM killer',
    layer: 'process',
    docs:
      'systemd saw the main process (or Gunicorn a worker) die by SIGKILL, and the kernel log has no ' +
      'OOM kill at that moment: the signal came from a person (kill -9, systemctl kill), a cron job or ' +
      'deploy script, or another supervisor. systemd restarts the unit when Restart= allows it.',
    degrades: true,
  },
  decide(evidence) {
    return someoneKilled(evidence) ?? stopTimedOut(evidence);
  },
  fix(c, t) {
    if (c.stop)
      return [
        `# the app ignores SIGTERM: start it with exec (exec gunicorn ..., CMD ["gunicorn", ...] in exec form), or handle SIGTERM`,
        `systemctl show ${unitName(t)} -p TimeoutStopUSec,KillSignal   # or docker's stop_grace_period / STOPSIGNAL`,
      ];
    const t0 = c.time ? Date.parse(c.time) : NaN;
    const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
    const journal = (what: string) =>
      Number.isFinite(t0)
        ? `journalctl --utc --since "${stamp(t0 - 60_000)}" --until "${stamp(t0 + 1000)}" --no-pager  # ${what}`
        : `journalctl -n 200 --no-pager | grep -iE 'kill|stop'`;
    if (t.container) {
      // docker kill, a stop past its grace period and a kill -9 on the host all exit 137; the engine's events tell the first two
      const { name } = t.container;
      const around = Number.isFinite(t0)
        ? ` --since ${Math.floor(t0 / 1000) - 60} --until ${Math.ceil(t0 / 1000) + 1}`
        : ' --since 10m --until 0s';
      return [
        `docker events${around} --filter container=${name}   # a kill event: docker kill or a stop by docker`,
        journal('what ran on the host in the minute before'),
        '# find who sends the signal (a kill -9 on the host, a cron job, a deploy script) and stop it',
        `docker inspect -f '{{.State.Status}} restarts={{.RestartCount}} policy={{.HostConfig.RestartPolicy.Name}}' ${name}`,
      ];
    }
    return [
      journal('what ran in the minute before'),
      '# find who sends the signal (a kill -9 by hand, a cron job, a deploy script, another supervisor) and stop it',
      `systemctl status ${unitName(t)} --no-pager`,
    ];
  },
};

/** Live: a SIGKILL that the kernel's log, read at that moment, does not explain. */
function someoneKilled(evidence: Evidence): Finding | null {
  if (!evidence.kernelLogRead) return null;
  const s = evidence.signals.get('oom_killed');
  if (!s) return null;
  // oom_killed claims the SIGKILL lines; a kernel OOM line among them means the kernel did it.
  if (s.all.some((x) => !x.captures.weak)) return null;
  // systemd's own SIGKILL at a stop that timed out is not someone else's
  const own = stopTimeoutKills(s.all);
  const kill = [...s.all]
    .filter((x) => !own.has(x))
    .reverse()
    .find((x) => x.captures.sigkill || x.captures.process === 'gunicorn worker');
  if (!kill) return null;
  return {
    confidence: 'medium',
    signal: kill,
    evidence: [cite(kill.origin, kill.event), 'no OOM kill in the kernel log at that moment'],
    captures: { time: kill.event.time ?? undefined },
  };
}

/**
 * A stop that ran out of time: systemd (TimeoutStopSec=), docker or podman stop sent SIGKILL itself, because
 * the app did not exit on SIGTERM. Weak: any other cause in the logs explains more.
 */
function stopTimedOut(evidence: Evidence): Finding | null {
  const own = evidence.signals.get('killed_by_signal')?.first;
  const oom = evidence.signals.get('oom_killed');
  const stop = own ?? oom?.all.find((x) => x.captures.stopTimeout);
  if (!stop) return null;
  return {
    confidence: 'low',
    signal: stop,
    evidence: [cite(stop.origin, stop.event), 'the app did not exit on SIGTERM before the stop timed out'],
    captures: { stop: 'yes', time: stop.event.time ?? undefined },
  };
}
