// medic incidents: the history as a table, and one incident's timeline with its diagnosis.
import type { Diagnosis } from '../diagnose/decide.ts';
import type { DeployRecord, Incident, IncidentEvent, OutboxMessage } from '../store/store.ts';
import { diagnosisMarkdown, diagnosisText } from './diagnosis.ts';
import type { Style } from './style.ts';

const utc = (iso: string | null) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}` : '-');
const secs = (a: string, b: string | null) =>
  b ? `${((Date.parse(b) - Date.parse(a)) / 1000).toFixed(1)} s` : '-';

/** The incident as data for --format json: the stored row, its timeline, where its alerts went, the deploys around it. */
export function incidentData(
  i: Incident,
  events: IncidentEvent[],
  outbox: OutboxMessage[],
  deploys: DeployRecord[],
) {
  return {
    ...i,
    timeToDetectMs: Date.parse(i.detectedAt) - Date.parse(i.startedAt),
    timeToRecoverMs: i.recoveredAt ? Date.parse(i.recoveredAt) - Date.parse(i.startedAt) : null,
    timeline: events.map((e) => ({ time: e.time, kind: e.kind, text: e.text })),
    alerts: outbox.map((m) => ({
      kind: m.kind,
      notifier: m.notifier,
      deliveredAt: m.deliveredAt,
      attempts: m.attempts,
      lastError: m.lastError,
    })),
    deploys,
  };
}

export function incidentsText(list: Incident[], style: Style): string {
  if (list.length === 0) return 'no incidents recorded';
  // rows from the shared store carry their host: a column then, and each id as HOST/ID
  const hosts = list.some((i) => i.host !== undefined);
  const rows = list.map((i) => [
    ...(hosts ? [i.host ?? '-'] : []),
    `#${i.id}`,
    i.state === 'resolved'
      ? style('green', 'resolved')
      : style('red', i.state === 'gave_up' ? 'gave up' : 'open'),
    i.service,
    `${utc(i.startedAt)} UTC`,
    secs(i.startedAt, i.recoveredAt),
    String(i.restarts),
    i.causeId ?? '-',
    i.summary,
  ]);
  const head = [
    ...(hosts ? ['host'] : []),
    'id',
    'state',
    'service',
    'started',
    'recovered in',
    'restarts',
    'cause',
    'what happened',
  ];
  const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, ''); // eslint-disable-line no-control-regex
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => plain(r[c] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) =>
        c === r.length - 1 ? cell : cell + ' '.repeat((widths[c] ?? 0) - plain(cell).length),
      )
      .join('  ');
  return [style('dim', line(head)), ...rows.map(line)].join('\n');
}

export function incidentsMarkdown(list: Incident[]): string {
  const hosts = list.some((i) => i.host !== undefined);
  const lines = [
    `|${hosts ? ' host |' : ''} id | state | service | started (UTC) | recovered in | restarts | cause | what happened |`,
    `|${hosts ? '---|' : ''}---|---|---|---|---|---|---|---|`,
  ];
  for (const i of list)
    lines.push(
      `|${hosts ? ` ${i.host ?? '-'} |` : ''} ${i.id} | ${i.state} | ${i.service} | ${utc(i.startedAt)} | ${secs(i.startedAt, i.recoveredAt)} | ${i.restarts} | ${i.causeId ?? ''} | ${i.summary.replace(/\|/g, '\\|')} |`,
    );
  return lines.join('\n');
}

export function incidentText(
  i: Incident,
  events: IncidentEvent[],
  outbox: OutboxMessage[],
  style: Style,
): string {
  const state =
    i.state === 'resolved'
      ? style('green', 'resolved')
      : style('red', i.state === 'gave_up' ? 'gave up (a human is needed)' : 'open');
  const lines = [
    `${style('bold', `incident #${i.id}`)}  ${i.service} (${i.unit})${i.host ? ` on ${i.host}` : ''}  ${state}`,
    `  what happened  ${i.summary}`,
    `  started        ${utc(i.startedAt)} UTC, detected in ${secs(i.startedAt, i.detectedAt)}`,
    `  recovered      ${i.recoveredAt ? `${utc(i.recoveredAt)} UTC, ${secs(i.startedAt, i.recoveredAt)} after it started` : '-'}`,
    `  restarts       ${i.restarts} (medic's: ${i.medicRestarts})`,
    `  cause          ${i.causeId ? `${i.causeId}: ${i.causeTitle ?? ''}` : '-'}`,
    '',
    style('bold', 'timeline (UTC)'),
    ...events.map(
      (e) => `  ${e.time.slice(0, 10)} ${e.time.slice(11, 23)}  ${style('dim', e.kind.padEnd(15))} ${e.text}`,
    ),
  ];
  if (outbox.length > 0) {
    lines.push('', style('bold', 'alerts'));
    for (const m of outbox)
      lines.push(
        `  ${m.kind.padEnd(9)} ${m.notifier.padEnd(18)} ${m.deliveredAt ? `delivered ${utc(m.deliveredAt)} UTC` : `not delivered (${m.attempts} attempts${m.lastError ? `: ${m.lastError}` : ''})`}`,
      );
  }
  if (i.diagnosis)
    lines.push('', style('bold', 'diagnosis when it opened'), diagnosisText(i.diagnosis as Diagnosis, style));
  return lines.join('\n');
}

export function incidentMarkdown(i: Incident, events: IncidentEvent[], outbox: OutboxMessage[]): string {
  const lines = [
    `## Incident #${i.id}: ${i.service}${i.host ? ` on ${i.host}` : ''} (${i.state})`,
    '',
    `- **What happened:** ${i.summary}`,
    `- **Started:** ${utc(i.startedAt)} UTC, detected in ${secs(i.startedAt, i.detectedAt)}`,
    `- **Recovered:** ${i.recoveredAt ? `${utc(i.recoveredAt)} UTC (${secs(i.startedAt, i.recoveredAt)})` : '-'}`,
    `- **Restarts:** ${i.restarts} (medic's: ${i.medicRestarts})`,
    `- **Cause:** ${i.causeId ? `\`${i.causeId}\` ${i.causeTitle ?? ''}` : '-'}`,
    '',
    '### Timeline (UTC)',
    '',
    ...events.map((e) => `- \`${e.time.slice(11, 23)}\` ${e.kind}: ${e.text}`),
  ];
  if (outbox.length > 0) {
    lines.push('', '### Alerts', '');
    for (const m of outbox)
      lines.push(
        `- ${m.kind} → ${m.notifier}: ${m.deliveredAt ? `delivered ${utc(m.deliveredAt)} UTC` : `not delivered (${m.lastError ?? 'pending'})`}`,
      );
  }
  if (i.diagnosis) lines.push('', '### Diagnosis', '', diagnosisMarkdown(i.diagnosis as Diagnosis));
  return lines.join('\n');
}
