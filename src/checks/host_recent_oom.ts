import { matchMessage } from '../causes/messages/index.ts';
import { isKernelOomOf, OOM_PAIRING_MS } from '../causes/oom_killed.ts';
import { eventsOfText } from '../logs/read.ts';
import { showValue } from '../systemd/show.ts';
import type { Service } from '../discover/service.ts';
import { defineCheck, fail, pass } from './types.ts';

/**
 * The kernel's OOM kills of this unit: its own journal's SIGKILL exits (or systemd's "killed by the OOM killer")
 * paired with a kernel OOM line within 2 s. The kernel ring buffer replays old kills, so a kill counts only
 * where the unit itself saw it.
 */
export function oomKills(unitJournal: string, kernelJournal: string, unit: string, comm: string): string[] {
  // no line of the unit's own (gather reads it only when the kernel names the app): no death to pair, and the
  // kernel's journal, already read through once by gather, is not parsed again
  if (unitJournal === '') return [];
  const env = { year: new Date().getUTCFullYear() };
  const kernel = kernelOomsOf(kernelJournal, unit, comm);
  if (kernel.length === 0) return [];
  const times = kernel.map((e) => Date.parse(e.time));
  const near = (t: number) => times.some((k) => Math.abs(k - t) <= OOM_PAIRING_MS);
  // systemd's lines of a death the OOM killer may have caused: a SIGKILL, its own OOM report, Result=oom-kill
  const deaths = eventsOfText(unitJournal, env)
    .filter((e) => e.time && near(Date.parse(e.time)) && matchMessage(e.text)?.message.cause === 'oom_killed')
    .map((e) => Date.parse(e.time ?? ''));
  return kernel
    .filter((e) => deaths.some((d) => Math.abs(d - Date.parse(e.time)) <= OOM_PAIRING_MS))
    .map((e) => `${e.time} ${e.text}`);
}

/** The kernel's OOM-killer lines about this unit or its executable, with their times. */
function kernelOomsOf(kernelJournal: string, unit: string, comm: string): { time: string; text: string }[] {
  const env = { year: new Date().getUTCFullYear() };
  return eventsOfText(kernelJournal, env).flatMap((e) =>
    e.time && isKernelOomOf(e.text, unit, comm) ? [{ time: e.time, text: e.text }] : [],
  );
}

/** The name the kernel gives the app's processes: its executable's. */
const commOf = (service: Pick<Service, 'exec'>): string => (service.exec?.path ?? '').split('/').pop() ?? '';

export interface OomFacts {
  service: Pick<Service, 'unit' | 'name' | 'show' | 'exec'>;
  /** `journalctl -u UNIT -b -o json` and `journalctl -k -b -o json`; null when journalctl could not run. */
  unitJournal: string | null;
  kernelJournal: string | null;
}

export const check = defineCheck<OomFacts>({
  meta: {
    id: 'host.recent_oom',
    layer: 'host',
    title: 'the kernel has not OOM-killed the app since boot',
    docs: "Pairs the unit's SIGKILL exits in its journal with the kernel's OOM-killer lines (or systemd's Result=oom-kill). An OOM kill looks like a silent crash: no traceback, only \"status=9/KILL\".",
  },
  async gather({ host, service, timeoutMs }) {
    // the kernel's journal first (one read for every service checked): without an OOM line about this app
    // there is nothing in its own journal to pair, and it is not read
    const kernel = await host.run(
      'journalctl',
      ['-k', '-b', '-o', 'json', '--no-pager', '-n', '1000', '--output-fields=MESSAGE'],
      { timeoutMs },
    );
    const kernelJournal = kernel.ok ? kernel.value.stdout : null;
    const comm = commOf(service);
    if (kernelJournal === null || kernelOomsOf(kernelJournal, service.unit, comm).length === 0)
      return { service, unitJournal: kernelJournal === null ? null : '', kernelJournal };
    const unitLog = await host.run(
      'journalctl',
      ['-u', service.unit, '-b', '-o', 'json', '--no-pager', '-n', '2000', '--output-fields=MESSAGE'],
      { timeoutMs: timeoutMs * 2, maxBytes: 16 * 1024 * 1024 },
    );
    return { service, unitJournal: unitLog.ok ? unitLog.value.stdout : null, kernelJournal };
  },
  judge({ service, unitJournal, kernelJournal }) {
    const comm = commOf(service);
    const kills =
      unitJournal !== null && kernelJournal !== null
        ? oomKills(unitJournal, kernelJournal, service.unit, comm)
        : [];
    const result = showValue(service.show, 'Result');
    const fix = [
      `medic diagnose ${service.name}`,
      `systemctl edit ${service.unit}    # MemoryMax= with headroom, fewer workers, or max_requests to recycle leaking workers`,
    ];
    if (result === 'oom-kill')
      return fail(`systemd reports Result=oom-kill for ${service.unit}`, kills.slice(-3), fix);
    if (kills.length > 0)
      return fail(
        `the kernel OOM-killed ${service.unit} ${kills.length} time${kills.length === 1 ? '' : 's'} since boot`,
        kills.slice(-3),
        fix,
      );
    return pass('no OOM kill of the app since boot');
  },
});
