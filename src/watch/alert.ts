// What an alert says, once, whatever carries it: the service, what happened, the UTC timeline, the first
// fatal error, the cause and the fix, the restart count and the state now. Built from masked data only.
import type { Diagnosis } from '../diagnose/decide.ts';
import type { Health } from '../discover/service.ts';
import type { DeployRecord, Incident, IncidentEvent } from '../store/store.ts';

/** What a deploy alert tells of the deploy. */
export type DeployFacts = Pick<
  DeployRecord,
  'kind' | 'outcome' | 'release' | 'previous' | 'step' | 'message' | 'startedAt' | 'finishedAt'
>;

export type AlertKind = 'opened' | 'resolved' | 'gave_up';

export interface Alert {
  /** incident.opened, incident.resolved, incident.gave_up; deploy.failed and deploy.rolled_back from medic deploy */
  event: `incident.${AlertKind}` | 'deploy.failed' | 'deploy.rolled_back';
  /** The same for every retry of this message: receivers can drop a repeat (Idempotency-Key, Message-ID). */
  key: string;
  incident: number;
  service: string;
  unit: string;
  host: string;
  headline: string;
  /** What happened, in a line. */
  summary: string;
  /** The state now, in a line. */
  state: string;
  startedAt: string;
  detectedAt: string;
  recoveredAt: string | null;
  resolvedAt: string | null;
  timeToDetectMs: number;
  timeToRecoverMs: number | null;
  restarts: number;
  cause: { id: string; title: string; confidence: string; fix: string[] } | null;
  /** The first failing layer (proxy, process, app, database, …); absent in alerts queued by older medic. */
  layer?: string | null;
  firstFatal: { time: string | null; line: string; context: string[] } | null;
  timeline: { time: string; text: string }[];
  /**
   * The address the failure was seen through when it is not this host's own (a health URL another host's
   * medic may ask too): two hosts that see it fail page once (store/pg-claims.ts).
   */
  through?: string | null;
  /** For deploy.* events: the release that was tried, the one that serves, the step that failed. */
  deploy?: { release: string; previous: string | null; step: string | null; message: string | null };
}

/**
 * A deploy or rollback that did not go live: deploy.failed when it stopped before traffic moved (preflight,
 * migrations, the candidate's gate), deploy.rolled_back when medic switched traffic back after the switch.
 * Either way the release that served before serves on.
 */
export function deployAlertOf(
  d: DeployFacts & {
    service: string;
    unit: string;
    steps: { time: string; text: string }[];
    fix: string[];
  },
  host: string,
): Alert {
  const back = d.outcome === 'rolled_back';
  const what = `${d.kind === 'rollback' ? 'rollback to' : 'deploy of'} ${d.release}`;
  const serving = d.previous ?? 'the previous release';
  return {
    event: back ? 'deploy.rolled_back' : 'deploy.failed',
    key: `medic-${host}-${d.kind}-${d.service}-${d.release}`,
    incident: 0,
    service: d.service,
    unit: d.unit,
    host,
    headline: `${d.service} on ${host}: ${what} ${back ? 'rolled back' : 'failed'} — ${d.message ?? d.step ?? 'failed'}`,
    summary: back
      ? `the ${what} failed at ${d.step ?? '?'} after the switch; medic switched back`
      : `the ${what} failed at ${d.step ?? '?'}, before any traffic moved`,
    state: back ? `${serving} serves again` : `${serving} still serves`,
    startedAt: d.startedAt,
    detectedAt: d.finishedAt,
    recoveredAt: back ? d.finishedAt : null,
    resolvedAt: null,
    timeToDetectMs: 0,
    timeToRecoverMs: null,
    restarts: 0,
    cause: { id: `deploy.${d.step ?? 'failed'}`, title: d.message ?? '', confidence: 'high', fix: d.fix },
    layer: 'deploy',
    firstFatal: null,
    timeline: d.steps.slice(-16),
    deploy: { release: d.release, previous: d.previous, step: d.step, message: d.message },
  };
}

const HEAD: Record<AlertKind, string> = {
  opened: 'incident opened',
  resolved: 'resolved',
  gave_up: 'a human is needed: medic stopped restarting',
};

export function alertOf(
  kind: AlertKind,
  incident: Incident,
  events: IncidentEvent[],
  state: string,
  host: string,
  through: string | null = null,
): Alert {
  const d = incident.diagnosis as Diagnosis | null;
  const ms = (a: string | null, b: string | null) =>
    a && b ? Math.max(0, Date.parse(b) - Date.parse(a)) : null;
  return {
    event: `incident.${kind}`,
    key: `medic-${host}-${incident.id}-${kind}`,
    incident: incident.id,
    service: incident.service,
    unit: incident.unit,
    host,
    headline: `${incident.service} on ${host}: ${HEAD[kind]} — ${incident.summary}`,
    summary: incident.summary,
    state,
    startedAt: incident.startedAt,
    detectedAt: incident.detectedAt,
    recoveredAt: incident.recoveredAt,
    resolvedAt: incident.resolvedAt,
    timeToDetectMs: ms(incident.startedAt, incident.detectedAt) ?? 0,
    timeToRecoverMs: ms(incident.startedAt, incident.recoveredAt),
    restarts: incident.restarts,
    cause: d?.cause
      ? { id: d.cause.id, title: d.cause.title, confidence: d.cause.confidence, fix: d.cause.fix }
      : null,
    layer: d?.cause?.layer ?? d?.firstFailingLayer ?? null,
    firstFatal: d?.firstFatal
      ? { time: d.firstFatal.time, line: d.firstFatal.line, context: d.firstFatal.context.slice(-6) }
      : null,
    timeline: shortTimeline(events),
    ...(through && incident.trigger === 'unhealthy' ? { through } : {}),
  };
}

/**
 * The health URL of a service when more than one host's medic may ask it and see the same thing fail: its
 * host is a name or address beyond this machine, and the request goes there (not to this host's own Nginx).
 */
export function sharedHealthUrl(h: Health | null): string | null {
  if (!h || h.socketPath) return null;
  let host: string;
  try {
    host = new URL(h.url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return null;
  }
  const local = (name: string) => /^(?:localhost|127\.\d+\.\d+\.\d+|::1|0\.0\.0\.0|::)$/i.test(name);
  if (local(host) || (h.connectTo && local(h.connectTo.host))) return null;
  return h.connectTo ? `${h.url} via ${h.connectTo.host}:${h.connectTo.port}` : h.url;
}

/** A restart loop repeats itself: the first lines and the last ones tell the story. */
function shortTimeline(events: IncidentEvent[], keep = 8): { time: string; text: string }[] {
  const all = events.map((e) => ({ time: e.time, text: e.text }));
  if (all.length <= keep * 2 + 1) return all;
  const skipped = all.length - keep * 2;
  return [
    ...all.slice(0, keep),
    {
      time: all[keep]?.time ?? '',
      text: `… ${skipped} more events (medic incidents show ${events[0]?.incidentId ?? ''}) …`,
    },
    ...all.slice(-keep),
  ];
}

const utc = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
const seconds = (ms: number) => (ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`);

/** The alert as plain text: the body of the mail, Slack's message, a log line's detail. */
export function alertText(a: Alert): string {
  const lines = [a.headline, ''];
  if (a.deploy)
    lines.push(
      `service   ${a.service} (${a.unit}) on ${a.host}`,
      `release   ${a.deploy.release} (was ${a.deploy.previous ?? 'none'}), started ${utc(a.startedAt)}`,
      `state     ${a.state}`,
    );
  else {
    lines.push(
      `service   ${a.service} (${a.unit}) on ${a.host}, incident #${a.incident}`,
      `started   ${utc(a.startedAt)}, detected in ${seconds(a.timeToDetectMs)}`,
    );
    if (a.timeToRecoverMs !== null) lines.push(`recovered in ${seconds(a.timeToRecoverMs)}`);
    lines.push(`restarts  ${a.restarts}`, `state     ${a.state}`);
  }
  if (a.cause) lines.push('', `cause     ${a.cause.id}: ${a.cause.title} (${a.cause.confidence} confidence)`);
  if (a.firstFatal) {
    lines.push(`first fatal error${a.firstFatal.time ? ` at ${utc(a.firstFatal.time)}` : ''}:`);
    for (const c of a.firstFatal.context) lines.push(`    ${c}`);
    lines.push(`  ${a.firstFatal.line}`);
  }
  if (a.cause && a.cause.fix.length > 0) lines.push('', 'fix:', ...fixLines(a).map((f) => `  ${f}`));
  if (a.timeline.length > 0) {
    lines.push('', 'timeline (UTC):');
    for (const t of a.timeline) lines.push(`  ${t.time.slice(11, 23)}  ${t.text}`);
  }
  return lines.join('\n');
}

/** The alert below its headline: facts, cause, first fatal error, fix, timeline; for receivers that show a title. */
export function alertDetail(a: Alert): string {
  return alertText(a).split('\n').slice(2).join('\n');
}

/** The fix as a person types it: each command after "$ ", a comment as it is. */
export function fixLines(a: Alert): string[] {
  return (a.cause?.fix ?? []).map((f) => (f.startsWith('#') ? f : `$ ${f}`));
}

/** At most `max` characters: receivers refuse longer texts; the timeline, last in alertText, goes first. */
export function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 2)}\n…` : s;
}

/** critical: an incident is open or a human is needed; warning: a deploy did not go live; ok: resolved. */
export function severityOf(a: Alert): 'critical' | 'warning' | 'ok' {
  if (a.event === 'incident.resolved') return 'ok';
  return a.event.startsWith('deploy.') ? 'warning' : 'critical';
}

/** Slack's incoming-webhook body: a short text for notifications, the whole alert in a code block. */
export function slackBody(a: Alert): { text: string; blocks: unknown[] } {
  // a section's text is limited to 3000 characters
  const block = clip(alertDetail(a), 2902);
  return {
    text: a.headline,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${escapeSlack(a.headline)}*` } },
      { type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${escapeSlack(block)}\`\`\`` } },
    ],
  };
}

function escapeSlack(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function mailSubject(a: Alert): string {
  return `[medic] ${a.headline}`.slice(0, 200);
}
