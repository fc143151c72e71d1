// Many hosts' answers as one: the JSON envelope with a list of hosts (each its own envelope, or its
// error), text and markdown per host worst first with each host's own output under its name, and one
// exit code: the worst of the hosts'.
import { EXIT } from '../cli/exit.ts';
import { jsonOf } from '../report/json.ts';
import type { Style } from '../report/style.ts';
import type { HostErrorKind } from './host-error.ts';
import type { HostResult } from './host-result.ts';

const RANK = { error: 2, problems: 1, ok: 0 } as const;

/** Errors first, then problems, then the healthy; the order given within each. */
export function worstFirst(results: readonly HostResult[]): HostResult[] {
  return results
    .map((r, i) => ({ r, i }))
    .sort((a, b) => RANK[b.r.status] - RANK[a.r.status] || a.i - b.i)
    .map(({ r }) => r);
}

/** 0 every host healthy, 1 a host found problems, 2 a host could not answer. */
export function fleetExitCode(results: readonly HostResult[]): number {
  const worst = Math.max(EXIT.ok, ...results.map((r) => RANK[r.status]));
  return worst === 2 ? EXIT.error : worst === 1 ? EXIT.problems : EXIT.ok;
}

const ERROR_LABEL: Record<HostErrorKind, string> = {
  unreachable: 'unreachable',
  host_key_unknown: 'host key unknown',
  host_key_changed: 'host key changed',
  auth: 'ssh login refused',
  timeout: 'no answer',
  not_installed: 'medic not installed',
  medic_error: 'medic failed',
  checksum: 'copy refused',
  ssh: 'ssh failed',
};

export function statusLabel(r: HostResult): string {
  if (r.error) return ERROR_LABEL[r.error.kind];
  if (r.label) return r.label;
  return r.status === 'ok' ? 'ok' : 'problems found';
}

const title = (r: HostResult) =>
  r.host.name === r.host.ssh ? r.host.name : `${r.host.name} (${r.host.ssh})`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const indent = (text: string, by = '  ') =>
  text
    .split('\n')
    .map((l) => (l ? `${by}${l}` : l))
    .join('\n');

/** The one envelope: the hosts in the order given, each with its own JSON or its error (and `extra`'s fields). */
export function fleetJson(
  command: string,
  results: readonly HostResult[],
  extra: (r: HostResult) => Record<string, unknown> = () => ({}),
): string {
  return jsonOf(
    command,
    'hosts',
    results.map((r) => ({
      name: r.host.name,
      ssh: r.host.ssh,
      labels: r.host.labels,
      status: r.status,
      exitCode: r.exitCode,
      ms: r.ms,
      result: r.json ?? null,
      error: r.error ?? null,
      ...extra(r),
    })),
  );
}

/** Worst first; a rollout's hosts in the order they went instead. */
export function fleetText(
  results: readonly HostResult[],
  style: Style,
  order: 'worst' | 'given' = 'worst',
): string {
  const colour = { error: 'red', problems: 'yellow', ok: 'green' } as const;
  const blocks = (order === 'worst' ? worstFirst(results) : results).map((r) => {
    const head = `${style('bold', title(r))}  ${style(colour[r.status], statusLabel(r))}${r.ms > 0 ? `  ${style('dim', seconds(r.ms))}` : ''}`;
    const body = [
      ...(r.error ? [r.error.message, ...(r.error.fix ? [`fix: ${r.error.fix}`] : [])] : []),
      ...(r.text ? [r.text] : []),
    ].join('\n');
    return body ? `${head}\n${indent(body)}` : head;
  });
  return [...blocks, summaryLine(results)].join('\n\n');
}

export function fleetMarkdown(results: readonly HostResult[]): string {
  const blocks = worstFirst(results).map((r) => {
    const head = `# ${title(r)}: ${statusLabel(r)}`;
    const body = r.error
      ? [`**${r.error.message}**`, ...(r.error.fix ? ['fix: `` ' + r.error.fix + ' ``'] : [])].join('\n\n')
      : // the host's own headings one level down, under its name
        (r.text ?? '').replace(/^(#+) /gm, '#$1 ');
    return `${head}\n\n${body}`;
  });
  return [...blocks, summaryLine(results)].join('\n\n');
}

/** "3 hosts: 1 unreachable (web2), 1 problems found (web1), 1 ok (web3)" */
export function summaryLine(results: readonly HostResult[]): string {
  const groups = new Map<string, string[]>();
  for (const r of worstFirst(results)) {
    const label = statusLabel(r);
    groups.set(label, [...(groups.get(label) ?? []), r.host.name]);
  }
  const parts = [...groups].map(
    ([label, names]) => `${names.length} ${label}${names.length <= 5 ? ` (${names.join(', ')})` : ''}`,
  );
  return `${results.length} host${results.length === 1 ? '' : 's'}: ${parts.join(', ')}`;
}
