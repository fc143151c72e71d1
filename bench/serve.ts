// npm run bench (part 6): the dashboard. medic serve over the tests' store (three services, a day of health
// samples, incidents, deploys, check runs): the first page load (the HTML and every asset over HTTP, then
// Chromium's navigation timing with an empty cache: its first paint, DOM ready, load, the charts drawn), and
// memory: the RSS of medic serve, and what the dashboard adds to a process that holds the daemon's modules
// and store (--http on against off; medic watch itself needs systemd).
// Targets: a page under 200 ms; the daemon under 90 MB.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, makeFixture, startServe } from '../test/host/dashboard-fixture.ts';

const LOADS = 20;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
/** Chromium's navigation timing of one load, in ms from its start: first contentful paint, DOMContentLoaded, load, and app.js's mark once the charts are drawn. */
interface Timing {
  paint: number;
  dom: number;
  load: number;
  charts: number;
}
const ms = (times: Timing[], key: keyof Timing) => `${median(times.map((t) => t[key])).toFixed(0)} ms`;
const mb = (kb: number) => `${(kb / 1024).toFixed(1)} MB`;

/** VmRSS and VmHWM (the peak) of a process, in kB. */
function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** The page and every asset it names, fetched as a browser with an empty cache would: the page, then the rest at once. */
async function pageLoad(base: string, path: string): Promise<number> {
  const start = performance.now();
  const html = await (await fetch(new URL(path, base))).text();
  const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
  await Promise.all(
    assets.map(async (a) =>
      (await fetch(new URL(a, base), { headers: { 'accept-encoding': 'gzip' } })).arrayBuffer(),
    ),
  );
  return performance.now() - start;
}

{
  const f = makeFixture();
  const served = await startServe(['-c', f.config, '--listen', '127.0.0.1:0'], f.dir);
  try {
    await sleep(500);
    const idle = memory(served.pid);
    const first = await pageLoad(served.url, '/');
    const warm: number[] = [];
    for (let i = 0; i < LOADS; i++)
      warm.push(await pageLoad(served.url, i % 2 ? '/' : `/incidents/${f.openIncident}`));
    const html = await (await fetch(served.url)).text();
    process.stdout.write(
      `dashboard (medic serve, 3 services, a day of samples; targets: page under 200 ms, daemon under 90 MB):\n` +
        `  first page load over HTTP (HTML + ${[...html.matchAll(/\/assets\//g)].length} assets): ${first.toFixed(0)} ms; median of ${LOADS} after: ${median(warm).toFixed(0)} ms\n`,
    );
    if (existsSync(CHROMIUM)) {
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      // Chromium's own floor: a one-line page (no asset) from a bare server, in a new context each time
      const bare = createServer((_req, res) =>
        res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>x</title><p>x</p>'),
      );
      await new Promise<void>((ok) => bare.listen(0, '127.0.0.1', ok));
      const floor: Timing[] = [];
      for (let i = 0; i < 10; i++) {
        const context = await browser.newContext();
        const page = await context.newPage();
        await page.goto(`http://127.0.0.1:${(bare.address() as AddressInfo).port}/`, { waitUntil: 'load' });
        floor.push(
          (await page.evaluate(`(() => {
            const n = performance.getEntriesByType('navigation')[0];
            const paint = performance.getEntriesByName('first-contentful-paint')[0];
            return { load: n.loadEventEnd - n.startTime, dom: n.domContentLoadedEventEnd - n.startTime, paint: paint ? paint.startTime : NaN, charts: NaN };
          })()`)) as Timing,
        );
        await context.close();
      }
      bare.close();
      const times: Timing[] = [];
      for (let i = 0; i < 10; i++) {
        // a new context each time: an empty cache, as a first visit
        const context = await browser.newContext();
        const page = await context.newPage();
        await page.goto(served.url, { waitUntil: 'load' });
        await page.waitForFunction(`performance.getEntriesByName('medic:charts').length > 0`);
        times.push(
          (await page.evaluate(`(() => {
            const n = performance.getEntriesByType('navigation')[0];
            const paint = performance.getEntriesByName('first-contentful-paint')[0];
            return {
              load: n.loadEventEnd - n.startTime,
              dom: n.domContentLoadedEventEnd - n.startTime,
              paint: paint ? paint.startTime : NaN,
              charts: performance.getEntriesByName('medic:charts')[0].startTime,
            };
          })()`)) as Timing,
        );
        await context.close();
      }
      await browser.close();
      process.stdout.write(
        `  Chromium, empty cache, median of 10: first paint ${ms(times, 'paint')}, DOM ready ${ms(times, 'dom')}, loaded ${ms(times, 'load')}, charts drawn ${ms(times, 'charts')} (first load: ${times[0]!.load.toFixed(0)} ms)\n` +
          `  Chromium's own floor, a one-line page without assets: DOM ready ${ms(floor, 'dom')}, loaded ${ms(floor, 'load')}\n`,
      );
    } else process.stdout.write(`  Chromium: skipped (no ${CHROMIUM})\n`);
    const after = memory(served.pid);
    process.stdout.write(
      `  medic serve RSS: ${mb(idle.rss)} at start, ${mb(after.rss)} after ${LOADS + 11} page loads (peak ${mb(after.peak)})\n`,
    );

    // The daemon's side: its modules and store held, with the dashboard off and on (the second of two runs
    // each, so the compile cache is warm as it is for a daemon that has run before).
    const hold = fileURLToPath(new URL('serve-hold.mjs', import.meta.url));
    const cache = mkdtempSync(join(tmpdir(), 'medic-bench-cache-'));
    const held: Record<string, number> = {};
    for (const mode of ['store', 'store', 'dashboard', 'dashboard']) {
      const child = spawn(process.execPath, [hold, mode, f.store, cache], {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, NODE_OPTIONS: '--max-semi-space-size=1' },
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      for (let i = 0; i < 400 && !out.includes('\n'); i++) await sleep(50);
      if (mode === 'dashboard')
        for (let i = 0; i < LOADS; i++) await pageLoad(out.trim(), i % 2 ? '/' : '/incidents/2');
      await sleep(300);
      held[mode] = memory(child.pid!).rss;
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    rmSync(cache, { recursive: true, force: true });
    process.stdout.write(
      `  the daemon's modules holding the store: ${mb(held['store']!)}; with --http on and ${LOADS} pages served: ${mb(held['dashboard']!)} (+${mb(held['dashboard']! - held['store']!)})\n`,
    );
  } finally {
    await served.stop();
  }
}
