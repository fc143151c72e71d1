// The dashboard of the running daemon on the testbed: medic watch --http in the box, Debian's Chromium on
// the host (the box shares its network). The page lists the box's real services; a scenario breaks one for
// real and its incident appears on the open page, with the cause medic diagnosed, without a reload.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { type Browser, chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../host/dashboard-fixture.ts';
import { mustPass, sh, testbed } from './box.ts';

const URL_ = 'http://127.0.0.1:9180/';
let browser: Browser;

before(async () => {
  assert.ok(existsSync(CHROMIUM), `no ${CHROMIUM}: scripts/test.sh installs Debian's chromium`);
  mustPass(testbed('reset'), 'scripts/testbed reset');
  mustPass(
    sh(`set -e
      mkdir -p /etc/medic
      medic init -c /etc/medic/medic.yaml --force >/dev/null
      printf 'watch:\\n  interval: 1s\\n  resolveAfter: 4s\\n' >> /etc/medic/medic.yaml
      systemd-run --unit=medic-dashboard --collect medic watch -c /etc/medic/medic.yaml --http 127.0.0.1:9180
      for i in $(seq 1 60); do curl -fs -o /dev/null ${URL_}api/services && exit 0; sleep 0.25; done
      journalctl -u medic-dashboard -o cat; exit 1`),
    'medic watch --http',
  );
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  testbed('reset');
});

test("the daemon's dashboard: the box's services, then a crash appears live with its cause", async () => {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  const res = await page.goto(URL_);
  assert.equal(res?.status(), 200);
  await page.locator('#live', { hasText: 'live' }).waitFor({ timeout: 15_000 });
  for (const name of ['flaskapp', 'fastapi', 'djangoapp', 'web'])
    await page.locator(`#service-${name}`).waitFor({ timeout: 15_000 });
  assert.equal(await page.locator('#service-flaskapp').getAttribute('data-state'), 'up');
  await page.evaluate(`window.loadedOnce = 'this page'`);

  mustPass(testbed('scenario', 'apply', 'missing_dependency'), 'missing_dependency');
  try {
    const banner = page.locator('ul.alerts li', { hasText: 'flaskapp' });
    await banner.waitFor({ timeout: 60_000 });
    await page
      .locator('#service-flaskapp .incident-link', { hasText: 'missing_dependency' })
      .waitFor({ timeout: 60_000 });
  } catch (error) {
    // What the page showed, what the daemon stored, and what it logged: the story of a miss.
    const card = await page
      .locator('#service-flaskapp')
      .innerText()
      .catch(() => '(no card)');
    const said = sh(
      `curl -s ${URL_}api/incidents; echo; journalctl -u medic-dashboard -o cat --no-pager | tail -n 40`,
    );
    throw new Error(`${String(error)}\nthe card:\n${card}\nthe daemon:\n${said.stdout}${said.stderr}`);
  }
  assert.notEqual(await page.locator('#service-flaskapp').getAttribute('data-state'), 'up');
  assert.equal(await page.evaluate('window.loadedOnce'), 'this page', 'the page was not reloaded');
  assert.deepEqual(problems, []);
});
