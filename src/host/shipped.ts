// Files medic ships beside its code (the dashboard's script, styles and uPlot): read from the checkout or
// the installed package, or, in the single executable, from the assets scripts/build.ts put inside it.
import { readFileSync } from 'node:fs';
import { getAsset, isSea } from 'node:sea';

/** The asset's text; null when it is missing (a broken install). */
export function shippedText(name: string, path: () => string): string | null {
  try {
    return isSea() ? getAsset(name, 'utf8') : readFileSync(path(), 'utf8');
  } catch {
    return null;
  }
}
