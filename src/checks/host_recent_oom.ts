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
  const env = { year: new Date().getUTCFullYear() };
  // systemd's lines of a death the OOM killer may have caused: a SIGKILL, its own OOM report, Result=oom-kill
  const deaths = eventsOfText(unitJournal, env)
    .filter((e) => e.time && matchMessage(e.text)?.message.cause === 'oom_killed')
    .map((e) => Date.parse(e.time ?? ''));
  const out: string[] = [];
  for (const e of eventsOfText(kernelJournal, env)) {
    if (!e.time || !isKernelOomOf(e.text, unit, comm)) continue;
    const t = Date.parse(e.time);
    if (deaths.some((d) => Math.abs(d - t) <= OOM_PAIRING_MS)) out.push(`${e.time} ${e.text}`);
  }
  return out;
}

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
    const [unitLog, kernel] = await Promise.all([
      host.run(
        'journalctl',
        ['-u', service.unit, '-b', '-o', 'json', '--no-pager', '-n', '2000', '--output-fields=MESSAGE'],
        { timeoutMs: timeoutMs * 2, maxBytes: 16 * 1024 * 1024 },
      ),
      host.run(
        'journalctl',
        ['-k', '-b', '-o', 'json', '--no-pager', '-n', '1000', '--output-fields=MESSAGE'],
        { timeoutMs },
      ),
    ]);
    return {
      service,
      unitJournal: unitLog.ok ? unitLog.value.stdout : null,
      kernelJournal: kernel.ok ? kernel.value.stdout : null,
    };
  },
  judge({ service, unitJournal, kernelJournal }) {
    const comm = (service.exec?.path ?? '').split('/').pop() ?? '';
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
