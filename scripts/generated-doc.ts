// A generated document: written by `npm run docs`, or, with --check, compared with the file on disk (exit 1
// when it is out of date; the unit tests check the same).
import { readFileSync, writeFileSync } from 'node:fs';

export function writeOrCheck(url: URL, text: string): void {
  if (!process.argv.includes('--check')) {
    writeFileSync(url, text);
    return;
  }
  let current = '';
  try {
    current = readFileSync(url, 'utf8');
  } catch {
    // missing: out of date
  }
  if (current !== text) {
    process.stderr.write(
      `${url.pathname.replace(/^.*\/docs\//, 'docs/')} is out of date: run npm run docs\n`,
    );
    process.exit(1);
  }
}
