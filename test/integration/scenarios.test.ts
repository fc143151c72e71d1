// Every scenario of the testbed breaks the box in one real way. Each is applied once, and on the broken box:
// the failure is visible the way a user sees it (unit state, HTTP status, the lines in the logs:
// expect/visible.ts); medic diagnose names its cause live and on the exported logs (expect/diagnose.ts);
// medic check fails the checks it breaks (expect/check.ts). Then reset, and the box is healthy again.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertHealthy, inBox, mustPass, sh, show, testbed } from './box.ts';
import { checkFailures, checkScenario } from './expect/check.ts';
import { diagnoseScenario, diagnoseScenarioAsNonRoot, nonRootScenarios } from './expect/diagnose.ts';
import { djangoCheckDeploy, file, visible } from './expect/visible.ts';

const flask = 'http://flask.medic.test';

const listed = testbed('scenario', 'list')
  .stdout.trim()
  .split('\n')
  .map((line) => line.split(/\s+/)[0] ?? '')
  // The Docker scenarios have their own test (docker-testbed.test.ts) until medic diagnoses containers.
  .filter((name) => !name.startsWith('docker_'));

before(() => {
  mustPass(testbed('up'), 'scripts/testbed up');
});

after(() => {
  testbed('reset');
});

test('every scenario has a test, and every test a scenario', () => {
  assert.ok(listed.length >= 45, `at least 45 scenarios, found ${listed.length}`);
  assert.deepEqual([...listed].sort(), Object.keys(visible).sort());
});

// The healthy box is the baseline the scenarios break: it must pass what they make fail.
test('the healthy box: deploy checks pass, real secrets, units enabled and restarted, loopback binds', () => {
  assertHealthy();
  assert.match(djangoCheckDeploy().stdout, /System check identified no issues \(\d+ silenced\)/);
  const secret = (path: string) => /^SECRET_KEY=(.*)$/m.exec(file(path))?.[1] ?? '';
  assert.ok(secret('/srv/flaskapp/.env').length >= 32, 'flaskapp SECRET_KEY: at least 32 characters');
  assert.ok(secret('/srv/djangoapp/.env').length >= 50, 'djangoapp SECRET_KEY: at least 50 characters');
  assert.doesNotMatch(secret('/srv/djangoapp/.env'), /^django-insecure-/);
  for (const app of ['flaskapp', 'fastapi', 'djangoapp', 'djangoapp-celery']) {
    assert.equal(inBox('systemctl', 'is-enabled', app).stdout.trim(), 'enabled', app);
    assert.equal(show(app, 'Restart').Restart, 'always', app);
  }
  assert.match(show('flaskapp', 'ExecStart').ExecStart ?? '', /--bind unix:\/run\/flaskapp\/gunicorn\.sock/);
  const binds = sh('ss -Hltn "( sport = :8000 or sport = :8001 )"')
    .stdout.trim()
    .split('\n')
    .map((line) => line.split(/\s+/)[3]);
  assert.deepEqual(binds.sort(), ['127.0.0.1:8000', '127.0.0.1:8001']);
  assert.equal(inBox('curl', '-s', `${flask}/health`).stdout, '{"status":"ok"}\n', 'Flask not in debug mode');
});

for (const name of listed) {
  test(`scenario ${name}: visible as a user sees it, diagnosed, checked, and healed by reset`, async (t) => {
    const shows = visible[name];
    assert.ok(shows, `no expectation for ${name}`);
    mustPass(testbed('scenario', 'apply', name), `scenario apply ${name}`);
    try {
      await t.test('the failure is real and visible', () => shows());
      await t.test('medic diagnose names the cause, live and offline', () => diagnoseScenario(name));
      if (nonRootScenarios.has(name))
        await t.test('medic diagnose names it as a user who is not root', () =>
          diagnoseScenarioAsNonRoot(name),
        );
      if (checkFailures[name])
        await t.test(`medic check fails ${checkFailures[name].checks.join(', ')}`, () => checkScenario(name));
    } finally {
      mustPass(testbed('reset'), 'reset');
    }
    assertHealthy();
  });
}
