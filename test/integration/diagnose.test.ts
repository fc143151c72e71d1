// medic diagnose on the healthy testbed, and the coverage of its scenario expectations (expect/diagnose.ts).
// Each scenario is diagnosed live and offline in scenarios.test.ts, on the one application of it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { inBox, mustPass, testbed } from './box.ts';
import { type Diagnosis, diagnoseExpectations } from './expect/diagnose.ts';

const listed = testbed('scenario', 'list')
  .stdout.trim()
  .split('\n')
  .map((line) => line.split(/\s+/)[0] ?? '')
  // The Docker scenarios have their own test (docker-testbed.test.ts) until medic diagnoses containers.
  .filter((name) => !name.startsWith('docker_'));

before(() => {
  mustPass(testbed('reset'), 'scripts/testbed reset');
});

after(() => {
  testbed('reset');
});

test('every scenario has a diagnose expectation', () => {
  assert.deepEqual([...listed].sort(), Object.keys(diagnoseExpectations).sort());
});

test('a healthy box: every app unit is healthy, exit 0, every layer answers', () => {
  const r = inBox('medic', 'diagnose', '--format', 'json');
  assert.equal(r.code, 0, r.stdout.slice(0, 2000));
  const all = (JSON.parse(r.stdout) as { services: Diagnosis[] }).services;
  assert.equal(all.length, 3);
  for (const d of all) {
    assert.equal(d.status, 'healthy');
    assert.equal(d.cause, null);
    assert.deepEqual(
      d.layers.filter((l) => l.status === 'fail'),
      [],
    );
  }
});
