// A cause's page: what it means, the messages that prove it (from the programs that print them) and the
// fix. `medic diagnose --explain CAUSE` prints one; docs/causes.md holds them all.
import { CAUSES } from '../causes/index.ts';
import { MESSAGES } from '../causes/messages/index.ts';
import { type Cause, LAYERS } from '../causes/types.ts';
import { NO_TARGET } from '../diagnose/offline.ts';

/** The fix with the names a real diagnosis fills in shown as placeholders. */
function fixOf(cause: Cause): string[] {
  return cause.fix({}, NO_TARGET);
}

export function causePage(cause: Cause, heading = '#'): string {
  const messages = MESSAGES.filter((m) => m.cause === cause.meta.id);
  const out = [
    `${heading} ${cause.meta.id}`,
    '',
    `**${cause.meta.title}.** Layer: ${cause.meta.layer}.`,
    '',
    cause.meta.docs,
  ];
  if (messages.length > 0) {
    out.push('', 'The messages that prove it:', '');
    for (const m of messages)
      out.push(
        `- ${m.program}: \`${m.template.replace(/`/g, "'")}\` (${m.source})${m.weak ? ', with other evidence' : ''}`,
      );
  }
  out.push('', 'The fix:', '', '```sh', ...fixOf(cause), '```');
  return out.join('\n');
}

/** The page of the cause ID, or null when the catalog has none of that name. */
export function explain(id: string): string | null {
  const cause = CAUSES.find((c) => c.meta.id === id);
  return cause ? causePage(cause) : null;
}

export function causesDoc(): string {
  const ordered = LAYERS.flatMap((l) => CAUSES.filter((c) => c.meta.layer === l));
  return [
    '# medic diagnose: the causes',
    '',
    '<!-- generated from src/causes/ by `npm run docs`; do not edit by hand -->',
    '',
    `\`medic diagnose\` names one of these ${CAUSES.length} causes, in the order of the request path, or \`unknown\` with the first error line to read when none fits. Each cause lists the messages that prove it, taken from the source code of the program that prints them (${MESSAGES.length} in all, in \`src/causes/messages/\`), beside the causes' own rules. \`medic diagnose --explain CAUSE\` prints one page.`,
    '',
    '| id | layer | what it means |',
    '|---|---|---|',
    ...ordered.map((c) => `| [\`${c.meta.id}\`](#${c.meta.id}) | ${c.meta.layer} | ${c.meta.title} |`),
    '',
    ...ordered.map((c) => `${causePage(c, '##')}\n`),
  ].join('\n');
}
