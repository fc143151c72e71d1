// Writes docs/checks.md from the catalog, so the docs cannot drift from the checks: `npm run docs`.
// With --check it exits 1 when the file is out of date (the unit tests run it that way).
import { writeOrCheck } from './generated-doc.ts';
import { LAYERS } from '../src/causes/types.ts';
import { CHECKS } from '../src/checks/index.ts';
import { DOCKER_CHECKS } from '../src/checks/docker/index.ts';

export function checksDoc(): string {
  const all = [...CHECKS, ...DOCKER_CHECKS];
  const ordered = LAYERS.flatMap((l) => all.filter((c) => c.meta.layer === l));
  const out = [
    '# medic check: the checks',
    '',
    '<!-- generated from src/checks/ by `npm run docs`; do not edit by hand -->',
    '',
    `\`medic check\` runs ${CHECKS.length} checks of a systemd unit (or ${DOCKER_CHECKS.length}, the \`docker.\` ones, of a container or compose service named to it) in parallel, each with a timeout, and reports them in the order of the request path. Each result is pass, warn, fail or skip (the check does not apply, or could not run), with the evidence and, for warn and fail, the fix. Run one group with \`--only PREFIX\` (\`--only nginx,db\`), leave some out with \`--skip\` or with \`check.skip\` in medic.yaml.`,
    '',
    '| id | layer | passes when |',
    '|---|---|---|',
    ...ordered.map(
      (c) => `| [\`${c.meta.id}\`](#${c.meta.id.replace(/\./g, '')}) | ${c.meta.layer} | ${c.meta.title} |`,
    ),
  ];
  for (const layer of LAYERS) {
    const checks = all.filter((c) => c.meta.layer === layer);
    if (checks.length === 0) continue;
    out.push('', `## ${layer}`);
    for (const c of checks) out.push('', `### ${c.meta.id}`, '', `**${c.meta.title}.**`, '', c.meta.docs);
  }
  return `${out.join('\n')}\n`;
}

if (import.meta.main) writeOrCheck(new URL('../docs/checks.md', import.meta.url), checksDoc());
