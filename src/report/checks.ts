// Renderers of `medic check`: a short text for a person (failures first in detail, passes one line each),
// markdown for a ticket, and json, JUnit XML and TAP for scripts and CI.
import type { CheckResult, CheckStatus } from '../checks/types.ts';
import type { Style } from './style.ts';

export interface CheckTarget {
  service: string;
  /** The systemd unit, or null for a container. */
  unit: string | null;
  /** The container and its compose project, or null for a systemd unit. */
  container: string | null;
  project: string | null;
  server: string | null;
  app: string | null;
  binds: string[];
  user: string;
  workdir: string | null;
  venv: string | null;
  site: string | null;
  serverName: string | null;
  health: string | null;
  config: string | null;
}

export interface CheckReport {
  target: CheckTarget;
  results: CheckResult[];
  summary: Record<CheckStatus, number>;
  ms: number;
}

const MARK: Record<CheckStatus, string> = { pass: '✓', warn: '!', fail: '✗', skip: '-' };
const COLOUR = { pass: 'green', warn: 'yellow', fail: 'red', skip: 'dim' } as const;

function headline(t: CheckTarget): string {
  const parts = [
    t.unit ?? (t.container ? `container ${t.container}` : null),
    t.server && t.app ? `${t.server} ${t.app}` : t.server,
    t.binds.join(' '),
    t.serverName,
  ].filter(Boolean);
  return `medic check ${t.service}  (${parts.join(' · ')})`;
}

function summaryLine(r: CheckReport): string {
  const s = r.summary;
  return `${r.results.length} checks: ${s.pass} pass, ${s.warn} warn, ${s.fail} fail, ${s.skip} skip (${(r.ms / 1000).toFixed(1)} s)`;
}

export function checksText(report: CheckReport, style: Style): string {
  const out = [style('bold', headline(report.target)), ''];
  const idWidth = Math.max(...report.results.map((r) => r.id.length), 10);
  for (const r of report.results) {
    const mark = style(COLOUR[r.status], MARK[r.status]);
    const summary = r.status === 'skip' ? style('dim', `skip: ${r.summary}`) : r.summary;
    out.push(`${r.layer.padEnd(9)} ${mark} ${r.id.padEnd(idWidth)}  ${summary}`);
    if (r.status === 'fail' || r.status === 'warn') {
      for (const e of r.evidence) out.push(`${' '.repeat(12)}${style('dim', e)}`);
      for (const f of r.fix) out.push(`${' '.repeat(12)}${style('cyan', f.startsWith('#') ? f : `$ ${f}`)}`);
    }
  }
  out.push('', summaryLine(report));
  const failed = report.results.filter((r) => r.status === 'fail');
  if (failed[0]) out.push(`first failure on the request path: ${failed[0].layer} (${failed[0].id})`);
  return out.join('\n');
}

const mdEscape = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function checksMarkdown(report: CheckReport): string {
  const out = [
    `## ${headline(report.target)}`,
    '',
    summaryLine(report),
    '',
    '| | check | layer | result |',
    '|---|---|---|---|',
  ];
  for (const r of report.results)
    out.push(`| ${MARK[r.status]} | \`${r.id}\` | ${r.layer} | ${mdEscape(r.summary)} |`);
  const problems = report.results.filter((r) => r.status === 'fail' || r.status === 'warn');
  if (problems.length > 0) {
    out.push('', '### What to fix');
    for (const r of problems) {
      out.push('', `**${r.id}** (${r.status}): ${r.summary}`);
      for (const e of r.evidence) out.push(`- ${e}`);
      if (r.fix.length > 0) out.push('', '```sh', ...r.fix, '```');
    }
  }
  return out.join('\n');
}

const xml = (s: string) =>
  s.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );

/** JUnit XML as CI systems read it: one testsuite per service, a testcase per check; warn is a pass with output. */
export function checksJunit(reports: CheckReport[]): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const total = (k: CheckStatus) => reports.reduce((a, r) => a + r.summary[k], 0);
  out.push(
    `<testsuites name="medic check" tests="${reports.reduce((a, r) => a + r.results.length, 0)}" failures="${total('fail')}" skipped="${total('skip')}" errors="0">`,
  );
  for (const rep of reports) {
    out.push(
      `  <testsuite name="${xml(rep.target.service)}" tests="${rep.results.length}" failures="${rep.summary.fail}" skipped="${rep.summary.skip}" errors="0" time="${(rep.ms / 1000).toFixed(3)}">`,
    );
    for (const r of rep.results) {
      const open = `    <testcase classname="${xml(`${rep.target.service}.${r.layer}`)}" name="${xml(r.id)}" time="${(r.ms / 1000).toFixed(3)}"`;
      const detail = xml([...r.evidence, ...r.fix.map((f) => `fix: ${f}`)].join('\n'));
      if (r.status === 'pass') out.push(`${open}/>`);
      else if (r.status === 'skip') out.push(`${open}><skipped message="${xml(r.summary)}"/></testcase>`);
      else if (r.status === 'fail')
        out.push(
          `${open}><failure message="${xml(r.summary)}" type="${xml(r.layer)}">${detail}</failure></testcase>`,
        );
      else
        out.push(
          `${open}><system-out>${xml(`warning: ${r.summary}`)}${detail ? `\n${detail}` : ''}</system-out></testcase>`,
        );
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n');
}

/** TAP version 14: skip as a SKIP directive, warn as ok with its details in the YAML block. */
export function checksTap(reports: CheckReport[]): string {
  const all = reports.flatMap((rep) => rep.results.map((r) => ({ service: rep.target.service, r })));
  const out = ['TAP version 14', `1..${all.length}`];
  all.forEach(({ service, r }, i) => {
    const name = `${reports.length > 1 ? `${service} ` : ''}${r.id}: ${r.summary}`.replace(/#/g, '\\#');
    if (r.status === 'skip') {
      out.push(`ok ${i + 1} - ${r.id} # SKIP ${r.summary.replace(/#/g, '\\#')}`);
      return;
    }
    out.push(`${r.status === 'fail' ? 'not ok' : 'ok'} ${i + 1} - ${name}`);
    if (r.status !== 'pass') {
      out.push('  ---', `  severity: ${r.status}`, `  layer: ${r.layer}`);
      if (r.evidence.length) out.push('  evidence:', ...r.evidence.map((e) => `    - ${JSON.stringify(e)}`));
      if (r.fix.length) out.push('  fix:', ...r.fix.map((f) => `    - ${JSON.stringify(f)}`));
      out.push('  ...');
    }
  });
  return out.join('\n');
}
