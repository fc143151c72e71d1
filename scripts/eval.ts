// npm run eval: medic diagnose --log on every real log of the corpus (test/fixtures/public and
// test/corpus/*), scored against the cause each thread confirmed and its first real error line.
//   node scripts/eval.ts                    every batch, one line per miss
//   node scripts/eval.ts --batch b3-servers  one batch (repeatable)
//   node scripts/eval.ts --json             the figures as JSON
//   node scripts/eval.ts --check            exit 1 below the targets
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { diagnoseLogs } from '../src/diagnose/offline.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const TARGET = { cause: 0.95, fatal: 0.95, wrongOnNone: 0 };

export interface Case {
  batch: string;
  file: string;
  path: string;
  source: string;
  cause: string;
  fatal: string;
  envelope?: string;
}

export function corpus(): Case[] {
  const batches: { name: string; dir: string }[] = [{ name: 'public', dir: `${root}test/fixtures/public` }];
  const corpusDir = `${root}test/corpus`;
  if (existsSync(corpusDir))
    for (const d of readdirSync(corpusDir, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    ))
      if (d.isDirectory() && existsSync(`${corpusDir}/${d.name}/index.json`))
        batches.push({ name: d.name, dir: `${corpusDir}/${d.name}` });
  return batches.flatMap(({ name, dir }) =>
    (JSON.parse(readFileSync(`${dir}/index.json`, 'utf8')) as Omit<Case, 'batch' | 'path'>[]).map((c) => ({
      ...c,
      batch: name,
      path: `${dir}/${c.file}`,
    })),
  );
}

/** The first-fatal line matches when one contains the other, whitespace aside. */
function sameLine(got: string | undefined, want: string): boolean {
  if (!got) return false;
  const norm = (s: string): string => s.replace(/\s+/g, ' ').trim();
  const g = norm(got);
  const w = norm(want);
  return w.length > 0 && (g.includes(w) || (g.length >= 20 && w.includes(g)));
}

export interface Score {
  cases: number;
  known: number;
  causeHits: number;
  fatalHits: number;
  none: number;
  wrongOnNone: number;
  misses: string[];
}

export async function score(cases: Case[]): Promise<Score> {
  const s: Score = { cases: 0, known: 0, causeHits: 0, fatalHits: 0, none: 0, wrongOnNone: 0, misses: [] };
  for (const c of cases) {
    s.cases += 1;
    const d = await diagnoseLogs([c.path]);
    const got = d.cause?.id ?? 'none';
    const fatalOk = sameLine(d.firstFatal?.line, c.fatal);
    if (fatalOk) s.fatalHits += 1;
    let causeOk: boolean;
    if (c.cause === 'none') {
      s.none += 1;
      causeOk = got === 'unknown' || got === 'none';
      if (!causeOk) s.wrongOnNone += 1;
    } else {
      s.known += 1;
      causeOk = got === c.cause;
      if (causeOk) s.causeHits += 1;
    }
    if (!causeOk || !fatalOk)
      s.misses.push(
        `${c.batch}/${c.file}: want ${c.cause}${causeOk ? ' ✓' : `, got ${got}`}` +
          (fatalOk
            ? ''
            : ` · fatal want '${c.fatal.slice(0, 90)}' got '${(d.firstFatal?.line ?? '').split('\n')[0]?.slice(0, 90)}'`),
      );
  }
  return s;
}

function pct(n: number, of: number): string {
  return of === 0 ? '-' : `${((100 * n) / of).toFixed(1)}% (${n} of ${of})`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      batch: { type: 'string', multiple: true },
      json: { type: 'boolean' },
      check: { type: 'boolean' },
      quiet: { type: 'boolean' },
    },
  });
  const all = corpus();
  const cases = values.batch ? all.filter((c) => values.batch?.includes(c.batch)) : all;
  if (cases.length === 0) {
    console.error(`eval: no case in ${values.batch?.join(', ') ?? 'the corpus'}`);
    process.exit(2);
  }
  const byBatch = new Map<string, Case[]>();
  for (const c of cases) byBatch.set(c.batch, [...(byBatch.get(c.batch) ?? []), c]);
  const total = await score(cases);
  const batches: Record<string, Score> = {};
  for (const [name, list] of byBatch) batches[name] = await score(list);
  if (values.json) {
    console.log(JSON.stringify({ total, batches }, null, 2));
  } else {
    if (!values.quiet) for (const m of total.misses) console.log(`miss  ${m}`);
    console.log('');
    console.log('batch            cases  cause top-1          first fatal          wrong on none');
    for (const [name, s] of [...Object.entries(batches), ['total', total] as const])
      console.log(
        `${name.padEnd(16)} ${String(s.cases).padStart(5)}  ${pct(s.causeHits, s.known).padEnd(20)} ${pct(s.fatalHits, s.cases).padEnd(20)} ${s.wrongOnNone} of ${s.none}`,
      );
    console.log(
      `targets: cause ${TARGET.cause * 100}%, first fatal ${TARGET.fatal * 100}%, wrong on none ${TARGET.wrongOnNone}`,
    );
  }
  const ok =
    total.causeHits >= TARGET.cause * total.known &&
    total.fatalHits >= TARGET.fatal * total.cases &&
    total.wrongOnNone <= TARGET.wrongOnNone;
  if (values.check && !ok) process.exit(1);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
