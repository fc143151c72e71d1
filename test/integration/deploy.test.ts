// medic deploy on the testbed: flaskapp converted to the release layout and deployed again while a load
// generator hits Nginx; a release that cannot import is stopped at preflight with the old one serving.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { inBox, mustPass, sh, testbed } from './box.ts';

const LOAD = '/tmp/medic-load.log';

/** Requests to flaskapp's /health through Nginx, as fast as one curl loop goes, until stopped. */
function startLoad(): void {
  mustPass(
    sh(
      `rm -f ${LOAD}; nohup bash -c 'while true; do curl -s -o /dev/null -w "%{http_code}\\n" --max-time 5 http://flask.medic.test/health >> ${LOAD}; done' >/dev/null 2>&1 & echo $! > /tmp/medic-load.pid`,
    ),
    'load generator',
  );
}

function stopLoad(): { total: number; bad: string[] } {
  sh('kill $(cat /tmp/medic-load.pid) 2>/dev/null; sleep 0.3');
  const codes = sh(`cat ${LOAD}`).stdout.split('\n').filter(Boolean);
  return { total: codes.length, bad: codes.filter((c) => c !== '200') };
}

before(() => {
  mustPass(testbed('reset'), 'scripts/testbed reset');
});
after(() => {
  sh('kill $(cat /tmp/medic-load.pid) 2>/dev/null');
  testbed('reset');
});

test('deploy --init, then a deploy: switched and verified, and the load generator sees no failed request', () => {
  startLoad();
  const init = inBox('medic', 'deploy', '--init', '--service', 'flaskapp');
  assert.equal(init.code, 0, init.stdout + init.stderr);
  assert.match(init.stderr, /rewrote \/etc\/nginx\/sites-enabled\/flaskapp/);
  assert.match(init.stderr, /Nginx sends flaskapp to the new release/);
  const first = sh('readlink /srv/flaskapp/current').stdout.trim();
  const deploy = inBox(
    'medic',
    '--format',
    'json',
    'deploy',
    '--service',
    'flaskapp',
    '--window',
    '3s',
    '/srv/flaskapp/current',
  );
  const load = stopLoad();
  assert.equal(deploy.code, 0, deploy.stdout + deploy.stderr);
  const out = JSON.parse(deploy.stdout) as { outcome: string; release: string; previous: string };
  assert.equal(out.outcome, 'live');
  assert.equal(`releases/${out.previous}`, first);
  assert.equal(sh('readlink /srv/flaskapp/current').stdout.trim(), `releases/${out.release}`);
  // the live unit runs the new release, and the candidate is gone
  const pid = sh('systemctl show -p MainPID --value flaskapp').stdout.trim();
  assert.equal(sh(`readlink /proc/${pid}/cwd`).stdout.trim(), `/srv/flaskapp/releases/${out.release}`);
  assert.notEqual(sh('systemctl is-active flaskapp-medic-next').stdout.trim(), 'active');
  assert.ok(load.total > 20, `only ${load.total} requests were made`);
  assert.deepEqual(load.bad, [], `${load.bad.length} of ${load.total} requests failed`);
  const releases = inBox('medic', 'releases', '--service', 'flaskapp');
  assert.match(releases.stdout, new RegExp(`^\\* ${out.release}`, 'm'));
});

test('a release that cannot import stops at preflight; the old release serves on', () => {
  mustPass(
    sh(
      'rm -rf /tmp/broken && cp -a /srv/flaskapp/current/ /tmp/broken && echo "import markdown_missing_module" >> /tmp/broken/flaskapp/__init__.py',
    ),
    'a broken copy',
  );
  const live = sh('readlink /srv/flaskapp/current').stdout.trim();
  startLoad();
  const r = inBox('medic', '--format', 'json', 'deploy', '--service', 'flaskapp', '/tmp/broken');
  const load = stopLoad();
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const out = JSON.parse(r.stdout) as { outcome: string; step: string; message: string };
  assert.equal(out.outcome, 'failed');
  assert.equal(out.step, 'preflight');
  assert.match(out.message, /app\.importable.*No module named 'markdown_missing_module'/);
  assert.equal(sh('readlink /srv/flaskapp/current').stdout.trim(), live);
  assert.deepEqual(load.bad, []);
});
