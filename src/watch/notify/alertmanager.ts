// Alertmanager: an incident is an alert posted to its API v2, labels to route and group by, the diagnosis in
// annotations. The resolve posts the same labels with endsAt; Alertmanager dedups the re-posts and routes.
import { postJson } from '../../host/http.ts';
import { type Alert, fixLines } from '../alert.ts';
import {
  hostOf,
  keyOf,
  maskedSend,
  type Notifier,
  urlSecrets,
  USER_AGENT,
  withoutCredentials,
} from './notifier.ts';

export interface AlertmanagerAlert {
  labels: Record<'alertname' | 'service' | 'cause' | 'layer' | 'host' | 'severity', string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
}

/** The API's address from the one medic.yaml gives: Alertmanager's own (http://host:9093) or the API's. */
export function alertmanagerApi(url: string): string {
  return /\/api\/v2\/alerts\/?$/.test(url) ? url : `${url.replace(/\/+$/, '')}/api/v2/alerts`;
}

export function alertmanagerAlerts(a: Alert, now: Date): AlertmanagerAlert[] {
  const deploy = a.event.startsWith('deploy.');
  const description = [
    a.summary,
    a.cause ? `cause: ${a.cause.id}: ${a.cause.title} (${a.cause.confidence} confidence)` : 'cause: unknown',
    ...(a.firstFatal ? [`first fatal error: ${a.firstFatal.line}`] : []),
    ...(fixLines(a).length > 0 ? ['fix:', ...fixLines(a).map((f) => `  ${f}`)] : []),
  ];
  return [
    {
      // the labels never change within an incident: they are what Alertmanager resolves by
      labels: {
        alertname: deploy ? 'MedicDeployFailed' : 'MedicIncident',
        service: a.service,
        cause: a.cause?.id ?? 'unknown',
        layer: a.layer ?? 'unknown',
        host: a.host,
        severity: deploy ? 'warning' : 'critical',
      },
      annotations: {
        summary: a.headline,
        description: description.join('\n'),
        state: a.state,
        unit: a.unit,
        ...(a.incident ? { incident: String(a.incident) } : {}),
        ...(a.firstFatal ? { first_fatal: a.firstFatal.line } : {}),
        ...(a.cause && a.cause.fix.length > 0 ? { fix: a.cause.fix.join('\n') } : {}),
      },
      startsAt: a.startedAt,
      ...(a.event === 'incident.resolved' ? { endsAt: now.toISOString() } : {}),
    },
  ];
}

export function alertmanagerNotifier(url: string, timeoutMs = 10_000): Notifier {
  const plain = withoutCredentials(url);
  const api = alertmanagerApi(plain.url);
  return {
    key: keyOf('alertmanager', url),
    label: `alertmanager ${hostOf(url)}`,
    send: maskedSend(urlSecrets(url, false), (a) =>
      postJson(
        api,
        alertmanagerAlerts(a, new Date()),
        { 'user-agent': USER_AGENT, ...plain.headers },
        timeoutMs,
      ),
    ),
  };
}
