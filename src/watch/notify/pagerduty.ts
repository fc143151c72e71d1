// PagerDuty Events API v2: an incident triggers an alert and its resolve resolves it, one dedup_key per
// medic incident; "a human is needed" triggers again on the same key, which PagerDuty folds into it.
import { postJson } from '../../host/http.ts';
import { type Alert, clip, fixLines } from '../alert.ts';
import { hostOf, keyOf, maskedSend, type Notifier, USER_AGENT } from './notifier.ts';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

export type PagerDutyEvent =
  | { routing_key: string; event_action: 'resolve'; dedup_key: string }
  | {
      routing_key: string;
      event_action: 'trigger';
      dedup_key: string;
      client: string;
      payload: {
        summary: string;
        source: string;
        severity: 'critical' | 'warning';
        timestamp: string;
        component: string;
        group: string;
        class: string;
        custom_details: Record<string, unknown>;
      };
    };

/** One key for everything said about a medic incident; a deploy's alert is its own. */
export function dedupKeyOf(a: Alert): string {
  return a.event.startsWith('incident.') ? `medic-${a.host}-incident-${a.incident}` : a.key;
}

export function pagerDutyEvent(a: Alert, routingKey: string): PagerDutyEvent {
  const dedup_key = dedupKeyOf(a);
  if (a.event === 'incident.resolved') return { routing_key: routingKey, event_action: 'resolve', dedup_key };
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key,
    client: 'medic',
    payload: {
      summary: clip(a.headline, 1024),
      source: a.host,
      severity: a.event.startsWith('deploy.') ? 'warning' : 'critical',
      timestamp: a.startedAt,
      component: a.service,
      group: a.unit,
      class: a.cause?.id ?? 'unknown',
      custom_details: {
        summary: a.summary,
        state: a.state,
        ...(a.incident ? { incident: a.incident } : {}),
        restarts: a.restarts,
        cause: a.cause ? `${a.cause.id}: ${a.cause.title} (${a.cause.confidence} confidence)` : 'unknown',
        layer: a.layer ?? 'unknown',
        first_fatal: a.firstFatal?.line ?? null,
        fix: fixLines(a),
        timeline: a.timeline.map((t) => `${t.time.slice(11, 23)}  ${t.text}`),
        ...(a.deploy ? { deploy: a.deploy } : {}),
      },
    },
  };
}

export function pagerDutyNotifier(
  routingKey: string,
  url = PAGERDUTY_EVENTS_URL,
  timeoutMs = 10_000,
): Notifier {
  return {
    key: keyOf('pagerduty', `${url} ${routingKey}`),
    label: `pagerduty ${hostOf(url)}`,
    send: maskedSend([routingKey], (a) =>
      postJson(url, pagerDutyEvent(a, routingKey), { 'user-agent': USER_AGENT }, timeoutMs),
    ),
  };
}
