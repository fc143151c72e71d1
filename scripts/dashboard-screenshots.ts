// The README's pictures of the dashboard: medic serve over the tests' store (a bad night: flaskapp down on
// a Redis outage, fastapi up), photographed by Debian's Chromium into docs/.
//   node scripts/dashboard-screenshots.ts
import { chromium } from 'playwright-core';
import { CHROMIUM, makeFixture, startServe } from '../test/host/dashboard-fixture.ts';

const docs = new URL('../docs/', import.meta.url).pathname;
const f = makeFixture();
const served = await startServe(['-c', f.config, '--listen', '127.0.0.1:0'], f.dir);
const browser = await chromium.launch({ executablePath: CHROMIUM });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 760 }, deviceScaleFactor: 1 });
  for (const [path, file] of [
    ['/', 'dashboard-services.png'],
    [`/incidents/${f.openIncident}`, 'dashboard-incident.png'],
  ] as const) {
    await page.goto(new URL(path, served.url).href);
    await page.locator('#live', { hasText: 'live' }).waitFor();
    await page.screenshot({ path: `${docs}${file}`, fullPage: true });
    console.log(`docs/${file}`);
  }
} finally {
  await browser.close();
  await served.stop();
}
