import { matchMessage } from './messages/index.ts';
import { type Cause, cite, type Signal, unitName } from './types.ts';

/** How close a kernel OOM kill and the unit's SIGKILL exit must be to be one event. */
export const OOM_PAIRING_MS = 2000;

/** A kernel OOM line (one of the inventory's kernel messages) about this unit (its cgroup) or a process named like its executable. */
export function isKernelOomOf(text: string, unit: string, comm: string): boolean {
  // the name first: most kernel lines are about something else, and the catalog is the costly part
  if (!text.includes(unit) && (comm === '' || !text.includes(`(${comm})`))) return false;
  const hit = matchMessage(text);
  return hit?.message.program === 'kernel' && hit.message.cause === 'oom_killed';
}

/**
 * The SIGKILLs systemd sent itself: a unit that did not stop within TimeoutStopSec= ("State 'stop-sigterm'
 * timed out. Killing.") dies by SIGKILL too, and that is a hung stop, neither the OOM killer nor a person.
 */
export function stopTimeoutKills(all: Signal[]): Set<Signal> {
  const timeouts = all
    .filter((x) => x.captures.stopTimeout && x.event.time)
    .map((x) => Date.parse(x.event.time ?? ''));
  return new Set(
    all.filter(
      (x) =>
        x.captures.stopTimeout ||
        (x.captures.sigkill &&
          !!x.event.time &&
          timeouts.some((t) => {
            const d = Date.parse(x.event.time ?? '') - t;
            return d >= 0 && d <= OOM_PAIRING_MS;
          })),
    ),
  );
}

export const oomKilled: Cause = {
  meta: {
    id: 'oom_killed',
    title: 'The kernel killed the app for using too much memory',
    layer: 'host',
    docs:
      "The process grew past the unit's MemoryMax, the container's limit, or the machine's memory, and " +
      'the OOM killer sent SIGKILL: no traceback, just "Killed process" in the kernel log and ' +
      'status=9/KILL or Result=oom-kill in systemd.',
    degrades: true,
    worthMatching:
      /status=9\/KILL|timed out\. Killing|oom-kill|OOM killer|Perhaps out of memory|"OOMKilled": ?true/,
    precedes: ['killed_by_signal'],
  },
  matchLine(event) {
    // (the kernel's own lines are the inventory's: src/causes/messages/kernel.ts)
    const t = event.text;
    // SIGKILL of the main process outside a stop: the OOM killer is the usual sender (the kernel log tells).
    if (/Main process exited, code=killed, status=9\/KILL/.test(t)) return { weak: 'yes', sigkill: 'yes' };
    // systemd's own kill at a stop that timed out: noted so that the SIGKILL after it is not read as OOM
    if (/State '[\w-]+' timed out\. Killing\./.test(t)) return { weak: 'yes', stopTimeout: 'yes' };
    if (/Failed with result 'oom-kill'|A process of this unit has been killed by the OOM killer/.test(t))
      return {};
    const m = /Worker \(pid:(\d+)\) was sent SIGKILL! Perhaps out of memory\?/.exec(t);
    // Gunicorn only guesses "out of memory": the kernel's log decides (killed_by_signal when live).
    if (m) return { pid: m[1] ?? '', process: 'gunicorn worker', weak: 'yes', sigkill: 'yes' };
    if (/"OOMKilled": ?true/.test(t)) return {};
    return null;
  },
  decide(evidence) {
    const found = evidence.signals.get('oom_killed');
    if (!found) return null;
    const own = stopTimeoutKills(found.all);
    const s = { ...found, all: found.all.filter((x) => !own.has(x)) };
    const first = s.all[0];
    if (!first) return null;
    // A kernel log holds every OOM kill of the boot: the one that matters killed this app's process,
    // at the moment systemd or Gunicorn saw it die by SIGKILL.
    const near = (sig: Signal) =>
      !!sig.event.time &&
      evidence.killedAt.some(
        (k) => Math.abs(Date.parse(k) - Date.parse(sig.event.time ?? '')) <= OOM_PAIRING_MS,
      );
    const strong = s.all.filter((x) => !x.captures.weak);
    const best =
      strong.find(near) ?? s.all.find(near) ?? (evidence.killedAt.length === 0 ? (strong[0] ?? first) : null);
    if (!best) return null;
    // Live, the kernel's log was read: a SIGKILL it does not explain came from elsewhere (killed_by_signal).
    if (best.captures.weak && evidence.kernelLogRead && !strong.some(near)) return null;
    return {
      confidence: best.captures.sigkill
        ? 'medium'
        : near(best) || evidence.killedAt.length === 0
          ? 'high'
          : 'medium',
      signal: best,
      evidence: [
        cite(best.origin, best.event),
        ...(near(best) ? ['the app died by SIGKILL at that moment'] : []),
      ],
      captures: best.captures,
    };
  },
  fix(_c, t) {
    return [
      `journalctl -k --no-pager | grep -iE 'out of memory|oom-kill' | tail -3`,
      `systemctl show ${unitName(t)} -p MemoryMax,MemoryCurrent,MemoryPeak`,
      `# find what allocates (a big export or query loaded in memory), or raise the limit: systemctl set-property ${unitName(t)} MemoryMax=1G`,
      `systemctl restart ${unitName(t)}`,
    ];
  },
};
