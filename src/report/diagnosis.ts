// Renders a diagnosis for a tired human (text), for an incident note (markdown), or for scripts (json).
import type { Diagnosis, LayerStatus } from '../diagnose/decide.ts';
import type { Style } from './style.ts';

const MARK: Record<LayerStatus, string> = { ok: '✓', fail: '✗', warn: '!', skip: '-', unknown: '?' };

function clock(iso: string | null): string {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '                   ';
}

export function diagnosisText(d: Diagnosis, style: Style): string {
  const out: string[] = [];
  const colour =
    d.status === 'healthy'
      ? 'green'
      : d.status === 'degraded'
        ? 'yellow'
        : d.status === 'failing'
          ? 'red'
          : 'bold';
  out.push(style(colour, style('bold', `${d.status === 'healthy' ? '✓' : '✗'} ${d.headline}`)));
  if (d.cause) {
    out.push('');
    out.push(
      `  cause        ${style('bold', d.cause.id)}: ${d.cause.title} (${d.cause.confidence} confidence)`,
    );
  }
  if (d.firstFatal) {
    out.push(
      `  first fatal  ${d.firstFatal.time ? `${clock(d.firstFatal.time)} UTC  ` : ''}${d.firstFatal.source}`,
    );
    out.push(`               ${style('red', d.firstFatal.line.split('\n')[0] ?? '')}`);
    for (const l of d.firstFatal.line.split('\n').slice(1, 4)) out.push(`               ${l}`);
    out.push(style('dim', `               (${d.firstFatal.at})`));
  }
  if (d.cause && d.cause.fix.length > 0) {
    out.push('');
    out.push(style('bold', '  fix'));
    for (const f of d.cause.fix)
      out.push(f.startsWith('#') ? style('dim', `    ${f}`) : `    ${style('cyan', `$ ${f}`)}`);
  }
  if (d.cause && d.cause.evidence.length > 0) {
    out.push('');
    out.push(style('bold', '  evidence'));
    for (const e of d.cause.evidence) out.push(`    ${e}`);
  }
  out.push('');
  out.push(style('bold', '  layers (request path)'));
  // Offline, most layers are simply not in the logs: show the ones the logs speak of.
  const shown = d.mode === 'offline' ? d.layers.filter((l) => l.status !== 'unknown') : d.layers;
  for (const l of shown) {
    const c =
      l.status === 'fail' ? 'red' : l.status === 'warn' ? 'yellow' : l.status === 'ok' ? 'green' : 'dim';
    out.push(
      `    ${style(c, `${MARK[l.status]} ${l.name.padEnd(9)}`)} ${l.status === 'unknown' ? style('dim', l.summary) : l.summary}`,
    );
  }
  if (shown.length < d.layers.length)
    out.push(style('dim', `    (${d.layers.length - shown.length} more layers: not in these logs)`));
  if (d.alternatives.length > 0) {
    out.push('');
    out.push(`  also seen: ${d.alternatives.map((a) => `${a.id} (${a.confidence})`).join(', ')}`);
  }
  if (d.routes.length > 0)
    out.push(`  failing routes: ${d.routes.map((r) => `${r.path} (${r.errors})`).join(', ')}`);
  if (d.changes.length > 0) {
    out.push('');
    out.push(style('bold', '  changed before the failure (UTC)'));
    for (const c of d.changes.slice(-8)) out.push(`    ${clock(c.time)}  ${c.what}`);
  }
  if (d.timeline.length > 0) {
    out.push('');
    out.push(style('bold', '  timeline (UTC)'));
    const shown = d.timeline.slice(-15);
    if (d.timeline.length > shown.length)
      out.push(
        style(
          'dim',
          `    ... ${d.timeline.length - shown.length} earlier entries (--format json has them all)`,
        ),
      );
    for (const t of shown)
      out.push(
        `    ${clock(t.time)}  ${t.source.padEnd(18).slice(0, 18)} ${t.text.split('\n')[0]?.slice(0, 160)}`,
      );
  }
  return out.join('\n');
}

export function diagnosisMarkdown(d: Diagnosis): string {
  const start = d.firstFatal?.time ?? d.timeline.find((t) => t.time)?.time ?? null;
  const fence = (lines: string[]): string[] => ['```', ...lines, '```'];
  const recent =
    d.changes.length > 0
      ? d.changes
          .slice(-5)
          .map((c) => `${clock(c.time)} ${c.what}`)
          .join('; ')
      : d.mode === 'offline'
        ? 'unknown (logs only)'
        : 'none found in the last 7 days';
  const errorCode = d.routes.length > 0 || d.firstFatal ? (d.firstFatal?.line.split('\n')[0] ?? '') : '';
  const out = [
    `# Incident: ${d.headline}`,
    '',
    `- **Incident start (UTC):** ${start ? clock(start) : 'unknown'}`,
    `- **Affected routes:** ${d.routes.length > 0 ? d.routes.map((r) => `\`${r.path}\``).join(', ') : d.status === 'failing' ? 'all (the app does not serve)' : 'unknown'}`,
    `- **Error code:** ${errorCode ? `\`${errorCode.replace(/`/g, "'")}\`` : 'none recorded'}`,
    `- **Recent deploy/config/migration:** ${recent}`,
    `- **Rollback available:** ${d.changes.some((c) => /^medic (deploy|rollback)/.test(c.what)) ? `yes: \`medic rollback --service ${d.target.unit?.replace(/\.service$/, '') ?? 'APP'}\`` : d.changes.some((c) => /release|deploy/.test(c.what)) ? 'check the previous release' : 'unknown'}`,
    `- **First failing layer:** ${d.firstFailingLayer ?? 'none found'}`,
    '',
    '## Cause',
    '',
    d.cause ? `**${d.cause.id}**: ${d.cause.title} (${d.cause.confidence} confidence)` : 'No cause found.',
    '',
  ];
  if (d.cause && d.cause.evidence.length > 0) out.push(...fence(d.cause.evidence), '');
  if (d.firstFatal)
    out.push('First fatal error:', '', ...fence([...d.firstFatal.context.slice(-12), d.firstFatal.line]), '');
  if (d.cause && d.cause.fix.length > 0) out.push('## Fix', '', ...fence(d.cause.fix), '');
  out.push('## Layers', '', '| layer | status | summary |', '|---|---|---|');
  for (const l of d.layers) out.push(`| ${l.name} | ${l.status} | ${l.summary.replace(/\|/g, '\\|')} |`);
  if (d.timeline.length > 0) {
    out.push('', '## Timeline (UTC)', '');
    for (const t of d.timeline.slice(-30))
      out.push(`- ${clock(t.time)} **${t.source}** ${t.text.split('\n')[0]?.replace(/`/g, "'")}`);
  }
  if (d.alternatives.length > 0)
    out.push('', `Also considered: ${d.alternatives.map((a) => `${a.id} (${a.confidence})`).join(', ')}`);
  return `${out.join('\n')}\n`;
}
