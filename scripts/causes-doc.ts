// Writes docs/causes.md from the catalog and the inventory of messages: `npm run docs`.
// With --check it exits 1 when the file is out of date (the unit tests run it that way).
import { readFileSync, writeFileSync } from 'node:fs';
import { causesDoc } from '../src/report/causes.ts';

if (import.meta.main) {
  const path = new URL('../docs/causes.md', import.meta.url);
  const text = causesDoc();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      // missing: out of date
    }
    if (current !== text) {
      process.stderr.write('docs/causes.md is out of date: run npm run docs\n');
      process.exit(1);
    }
  } else writeFileSync(path, text);
}
