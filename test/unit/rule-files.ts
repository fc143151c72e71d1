// The rules each file of a catalog folder exports, so a test can prove none was left out of its index.
import { readdirSync } from 'node:fs';

export async function rulesExported(
  folder: string,
  isRule: (value: unknown) => boolean,
): Promise<{ file: string; rule: { meta: { id: string } } }[]> {
  const dir = new URL(`../../src/${folder}/`, import.meta.url);
  const out = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const mod = (await import(new URL(file, dir).href)) as Record<string, unknown>;
    for (const value of Object.values(mod))
      if (value && typeof value === 'object' && 'meta' in value && isRule(value))
        out.push({ file, rule: value as { meta: { id: string } } });
  }
  return out;
}
