// Microsoft Teams: an Adaptive Card, the message shape both a Teams workflow ("when a Teams webhook request
// is received") and a channel's incoming webhook take. Log lines and commands go in TextRuns, which Teams
// shows as written: a TextBlock would read __init__ as markdown.
import { postJson } from '../../host/http.ts';
import { type Alert, fixLines, severityOf } from '../alert.ts';
import { hostOf, keyOf, maskedSend, type Notifier, urlSecrets, USER_AGENT } from './notifier.ts';

export interface TeamsMessage {
  type: 'message';
  attachments: { contentType: string; contentUrl: null; content: Record<string, unknown> }[];
}

const COLOR = { critical: 'Attention', warning: 'Warning', ok: 'Good' } as const;
const utc = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;

function heading(text: string): object {
  return { type: 'TextBlock', text, weight: 'Bolder', wrap: true, spacing: 'Medium' };
}

/** Lines as written, in a fixed-width font, one under the other. */
function verbatim(lines: string[]): object[] {
  return lines.map((text) => ({
    type: 'RichTextBlock',
    spacing: 'None',
    inlines: [{ type: 'TextRun', text, fontType: 'Monospace' }],
  }));
}

export function teamsMessage(a: Alert): TeamsMessage {
  const facts = [
    { title: 'Service', value: `${a.service} (${a.unit}) on ${a.host}` },
    a.deploy
      ? { title: 'Release', value: `${a.deploy.release} (was ${a.deploy.previous ?? 'none'})` }
      : { title: 'Incident', value: `#${a.incident}, started ${utc(a.startedAt)}` },
    { title: 'Restarts', value: String(a.restarts) },
    { title: 'State', value: a.state },
    ...(a.cause
      ? [{ title: 'Cause', value: `${a.cause.id}: ${a.cause.title} (${a.cause.confidence} confidence)` }]
      : []),
  ];
  const body: object[] = [
    {
      type: 'TextBlock',
      text: a.headline,
      weight: 'Bolder',
      size: 'Medium',
      wrap: true,
      color: COLOR[severityOf(a)],
    },
    { type: 'FactSet', facts },
  ];
  if (a.firstFatal)
    body.push(heading('First fatal error'), ...verbatim([...a.firstFatal.context, a.firstFatal.line]));
  const fix = fixLines(a);
  if (fix.length > 0) body.push(heading('Fix'), ...verbatim(fix));
  if (a.timeline.length > 0)
    body.push(
      heading('Timeline (UTC)'),
      ...verbatim(a.timeline.slice(-8).map((t) => `${t.time.slice(11, 23)}  ${t.text}`)),
    );
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          msteams: { width: 'Full' },
          body,
        },
      },
    ],
  };
}

export function teamsNotifier(url: string, timeoutMs = 10_000): Notifier {
  return {
    key: keyOf('teams', url),
    label: `teams ${hostOf(url)}`,
    send: maskedSend(urlSecrets(url), (a) =>
      postJson(url, teamsMessage(a), { 'user-agent': USER_AGENT }, timeoutMs),
    ),
  };
}
