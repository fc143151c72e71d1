// The dashboard in a real browser: Debian's Chromium, driven by playwright-core, against medic serve for
// real. The pages render the services and incidents, the charts draw, a new incident in the store appears
// without a reload with its cause, the copy button copies the fix, and nothing breaks the page's policy.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { Store } from '../../src/store/store.ts';
import {
  CHROMIUM,
  CHROMIUM_ARGS,
  type Fixture,
  makeFixture,
  type Served,
  startServe,
} from './dashboard-fixture.ts';

const skip = existsSync(CHROMIUM) ? false : `no ${CHROMIUM}: scripts/test.sh installs Debian's chromium`;

let f: Fixture;
let served: Served;
let browser: Browser;
let context: BrowserContext;
/** Everything the pages said went wrong: console errors, uncaught exceptions, CSP violations, failed loads. */
const problems: string[] = [];

before(async () => {
  if (skip) return;
  f = makeFixture();
  served = await startServe(['-c', f.config, '--listen', '127.0.0.1:0'], f.dir);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: served.url.slice(0, -1) });
  // (an init script runs outside the page's CSP: it only listens)
  await context.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (e) =>
      console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));`,
  });
});
after(async () => {
  await browser?.close();
  await served?.stop();
});

async function open(path: string): Promise<Page> {
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${path}: ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${path}: uncaught: ${e.message}`));
  page.on('requestfailed', (r) => {
    // the event stream ends when the page closes; anything else failing is a problem
    if (!r.url().endsWith('/api/events')) problems.push(`${path}: failed: ${r.url()}`);
  });
  const res = await page.goto(new URL(path, served.url).href);
  assert.equal(res?.status(), 200, path);
  return page;
}

/** The pixels a canvas has drawn (not transparent). */
const drawnPixels = (page: Page, selector: string): Promise<number> =>
  page.evaluate(`(() => {
    const canvas = document.querySelector(${JSON.stringify(selector)});
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]) n += 1;
    return n;
  })()`);

test(
  'the services page: each service with its state and reason, the latency charts drawn',
  { skip },
  async () => {
    const page = await open('/');
    await page.locator('#live', { hasText: 'live' }).waitFor({ timeout: 15_000 });
    const states = await page.$$eval('article.service', (els) =>
      els.map((e) => [e.querySelector('h2')?.textContent, e.getAttribute('data-state')]),
    );
    assert.deepEqual(states, [
      ['flaskapp', 'down'],
      ['fastapi', 'up'],
      ['djangoapp', 'unknown'],
    ]);
    assert.match(
      (await page.locator('#service-flaskapp .reason').textContent()) ?? '',
      /health failing: HTTP 502; incident #2 open: redis_unreachable/,
    );
    for (const name of ['flaskapp', 'fastapi']) {
      const canvas = `#service-${name} .chart canvas`;
      await page.locator(canvas).first().waitFor({ timeout: 15_000 });
      const drawn = await drawnPixels(page, canvas);
      assert.ok(drawn > 500, `${name}'s chart drew ${drawn} pixels`);
    }
    await page.close();
  },
);

test(
  'a new incident written to the store appears on the open page, with its cause, without a reload',
  { skip },
  async () => {
    const page = await open('/');
    await page.locator('#live', { hasText: 'live' }).waitFor({ timeout: 15_000 });
    await page.evaluate(`window.loadedOnce = 'this page'`);
    const before = await page.locator('ul.alerts li').count();

    const store = Store.open(f.store, { create: false });
    const now = new Date().toISOString();
    const incident = store.openIncident({
      service: 'fastapi',
      unit: 'fastapi.service',
      trigger: 'unhealthy',
      summary: 'fastapi health failed 3 times in a row',
      startedAt: now,
      detectedAt: now,
    });
    store.update(incident.id, {
      causeId: 'db_unreachable',
      causeTitle: 'The app cannot reach PostgreSQL',
    });
    store.addEvent(
      incident.id,
      now,
      'diagnosis',
      'diagnosis: db_unreachable: The app cannot reach PostgreSQL',
    );
    store.close();

    const banner = page.locator('ul.alerts li', { hasText: `#${incident.id} fastapi` });
    await banner.waitFor({ timeout: 20_000 });
    assert.match(
      (await banner.textContent()) ?? '',
      /fastapi health failed 3 times in a row\s+db_unreachable/,
    );
    assert.equal(await page.locator('ul.alerts li').count(), before + 1);
    assert.equal(await page.locator('#service-fastapi').getAttribute('data-state'), 'degraded');
    assert.match(
      (await page.locator('#service-fastapi .incident-link').textContent()) ?? '',
      /incident #\d+\s+db_unreachable The app cannot reach PostgreSQL/,
    );
    assert.equal(await page.evaluate('window.loadedOnce'), 'this page', 'the page was not reloaded');
    // the charts are drawn again after the update
    assert.ok((await drawnPixels(page, '#service-fastapi .chart canvas')) > 500);
    await page.close();
  },
);

test(
  'the incidents list, open first; an incident with its diagnosis, and its fix copied with one click',
  { skip },
  async () => {
    const list = await open('/incidents');
    const rows = await list.$$eval('table.incidents tbody tr', (trs) => trs.map((tr) => tr.className));
    assert.ok(rows.length >= 2);
    assert.ok(rows.indexOf('incident-resolved') > rows.lastIndexOf('incident-open'), rows.join(' '));
    await list.close();

    const page = await open(`/incidents/${f.openIncident}`);
    const diagnosis = (await page.locator('section.diagnosis').textContent()) ?? '';
    assert.match(diagnosis, /first failing layer\s+cache/);
    assert.match(diagnosis, /redis_unreachable The app \(or its worker\) cannot reach Redis/);
    assert.match(diagnosis, /redis\.exceptions\.ConnectionError: Error 111 connecting to 127\.0\.0\.1:6379/);
    assert.ok(!diagnosis.includes('s3cr3t'), 'masked');
    await page.locator('button.copy[data-copy="systemctl start redis-server"]').click();
    await page
      .locator('button.copy[data-copy="systemctl start redis-server"]', { hasText: 'copied' })
      .waitFor();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), 'systemctl start redis-server');
    await page.close();
  },
);

test('the checks and releases pages render', { skip }, async () => {
  const checks = await open('/checks');
  assert.equal(
    await checks.locator('#check-flaskapp tr.check-fail code').textContent(),
    'cache.redis_reachable',
  );
  await checks.close();
  const releases = await open('/releases');
  assert.equal(await releases.locator('#releases-flaskapp .live-release').textContent(), '20261120T101500Z');
  await releases.close();
});

test(
  'no console error, no uncaught exception, no CSP violation, no failed load on any page',
  { skip },
  async () => {
    assert.equal(problems.length, 0, problems.join('\n'));
    // and the watch on them works: an inline style is a violation it reports
    const page = await open('/');
    await page.evaluate(`document.querySelector('h1').setAttribute('style', 'color: red')`);
    for (let i = 0; i < 50 && !problems.some((p) => p.includes('CSP violation')); i++)
      await page.waitForTimeout(100);
    assert.match(problems.join('\n'), /CSP violation: style-src-attr/);
    assert.match(
      problems.join('\n'),
      /error: Applying inline style violates the following Content Security Policy/,
    );
    await page.close();
  },
);
