// The dashboard's assets, read once at start and served from memory: its own script, style and icon
// (src/serve/assets/) and uPlot from its package. A content hash in each URL lets a browser keep it for good.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { shippedText } from '../host/shipped.ts';

export interface Asset {
  body: string;
  gzip: Buffer;
  type: string;
  hash: string;
}

/** Each asset's file, as a module specifier from here: the dashboard's own, and uPlot's from its package. */
const SOURCES: Record<string, { from: string; type: string }> = {
  'app.js': { from: './assets/app.js', type: 'text/javascript; charset=utf-8' },
  'style.css': { from: './assets/style.css', type: 'text/css; charset=utf-8' },
  'favicon.svg': { from: './assets/favicon.svg', type: 'image/svg+xml' },
  'uPlot.iife.min.js': { from: 'uplot/dist/uPlot.iife.min.js', type: 'text/javascript; charset=utf-8' },
  'uPlot.min.css': { from: 'uplot/dist/uPlot.min.css', type: 'text/css; charset=utf-8' },
};

/** Where each asset is in a checkout or an installed medic (scripts/build.ts puts them in the executable). */
export function assetFiles(): Record<string, string> {
  const require = createRequire(import.meta.url);
  return Object.fromEntries(Object.entries(SOURCES).map(([name, s]) => [name, require.resolve(s.from)]));
}

export type Assets = Map<string, Asset>;

/** Every asset, read and compressed; a missing one is an error at start, not a broken page later. */
export function loadAssets(): Assets {
  const out: Assets = new Map();
  let files: Record<string, string> | null = null;
  for (const [name, { type }] of Object.entries(SOURCES)) {
    const body = shippedText(name, () => (files ??= assetFiles())[name] ?? name);
    if (body === null) throw new Error(`the dashboard's asset ${name} is missing: reinstall medic`);
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
    out.set(name, { body, gzip: gzipSync(body), type, hash });
  }
  return out;
}

/** The versioned URL of an asset. */
export function assetUrl(assets: Assets, name: string): string {
  return `/assets/${name}?v=${assets.get(name)?.hash ?? '0'}`;
}
