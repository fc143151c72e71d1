// medic deploy of the compose project's web service on the testbed, each case under a load generator
// hitting the box's Nginx: a good release (built from a changed copy of the project), a release whose image
// cannot start, medic rollback, and medic SIGKILLed at each step, each kill followed by the deploy that
// must recover from it. What compose runs afterwards is the release: `docker-compose up -d` keeps it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { container, inBox, mustPass, sh, testbed } from './box.ts';
import { assertNoFailedRequest, type Load, startLoad as startFrom, stopLoad } from './load.ts';

const LOAD = '/tmp/medic-docker-load.log';
const site = 'http://dockerapp.medic.test';
const web = 'dockerapp_web_1';
const worker = 'dockerapp_worker_1';

const startLoad = () => startFrom(`${site}/health`, LOAD);

/** No request failed; the figures go to the test's output. */
function assertServed(load: Load, what: string): void {
  assertNoFailedRequest(load);
  console.log(`# ${what}: ${load.total} requests, ${load.bad.length} failed`);
}

interface Out {
  outcome: string;
  release: string;
  previous: string;
  step: string | null;
  message: string | null;
  details: string[];
  warnings: string[];
  preflight: { id: string; status: string }[];
  migrations: string[];
}

/** medic --format json deploy/rollback --service web ARGS, parsed, and how long it took. */
function medic(command: string, ...args: string[]): { code: number; out: Out; stderr: string; ms: number } {
  const t = Date.now();
  const r = inBox('medic', '--format', 'json', command, '--service', 'web', ...args);
  let out: Out;
  try {
    out = (JSON.parse(r.stdout) as { services: Out[] }).services[0] as Out;
  } catch {
    throw new Error(`medic ${command} ${args.join(' ')} printed no JSON (${r.code}): ${r.stdout}${r.stderr}`);
  }
  return { code: r.code, out, stderr: r.stderr, ms: Date.now() - t };
}

/** A copy of the compose project at /tmp/NAME whose app/main.py a Python snippet changed. */
function projectCopy(name: string, edit: string): string {
  mustPass(
    sh(`set -e; rm -rf /tmp/${name}; cp -a /srv/dockerapp /tmp/${name}
python3 - /tmp/${name}/app/main.py <<'EOF'
import sys
p = sys.argv[1]
s = open(p).read()
${edit}
open(p, 'w').write(s)
EOF`),
    `a changed copy of the project (${name})`,
  );
  return `/tmp/${name}`;
}

/** A release that answers GET /version with VERSION. */
const versioned = (version: string) =>
  projectCopy(
    version,
    `s += '\\n\\n@app.get("/version")\\ndef version():\\n    return {"version": "${version}"}\\n'`,
  );

const versionServed = () => sh(`curl -s --max-time 5 ${site}/version`).stdout;
const live = () => sh('readlink /var/lib/medic/compose/dockerapp/web/current').stdout.trim();
const candidates = () =>
  sh('docker ps -aq --filter label=medic.deploy.candidate').stdout.trim().split('\n').filter(Boolean);
const imageOf = (name: string) =>
  mustPass(
    inBox('docker', 'image', 'inspect', '-f', '{{.Id}}', name),
    `docker image inspect ${name}`,
  ).stdout.trim();

before(() => {
  // a box that earlier files left up is not a clean one for the compose project (medic.yaml, the sites)
  mustPass(testbed('reset'), 'scripts/testbed reset');
  mustPass(sh('mkdir -p /etc/medic; medic init -c /etc/medic/medic.yaml --force >/dev/null'), 'medic init');
});

after(() => {
  sh(`kill $(cat ${LOAD}.pid) 2>/dev/null`);
  // the compose project runs medic's images: reset puts the recipe's back
  mustPass(testbed('reset'), 'scripts/testbed reset');
});

test('a service medic does not know, or no engine: one line, exit 2, nothing moves', () => {
  const unknown = inBox('medic', 'deploy', '--service', 'nosuch');
  assert.equal(unknown.code, 2, unknown.stderr);
  assert.equal(unknown.stderr.trim(), 'medic: no service nosuch in /etc/medic/medic.yaml');
  const noEngine = inBox(
    'env',
    'DOCKER_HOST=unix:///run/no-docker.sock',
    'medic',
    'deploy',
    '--service',
    'web',
  );
  assert.equal(noEngine.code, 2, noEngine.stderr);
  assert.equal(noEngine.stderr.trim(), 'medic: no Docker engine here (/run/no-docker.sock)');
  assert.equal(sh('ls /var/lib/medic/compose 2>/dev/null').stdout, '');
});

test('a good release: built, gated, switched, watched, and compose runs it; no request fails', () => {
  const release = versioned('v2');
  const before = container(web);
  // a dry run first, without medic.yaml: the service, its site and its health URL found by medic itself
  const dry = sh(`mv /etc/medic/medic.yaml /tmp/medic.yaml
medic --format json deploy --service web --dry-run ${release}; echo "exit $?"
mv /tmp/medic.yaml /etc/medic/medic.yaml`);
  assert.match(dry.stdout, /^exit 0$/m, dry.stdout + dry.stderr);
  const planned = (JSON.parse(dry.stdout.replace(/^exit \d+\n?$/m, '')) as { services: Out[] }).services[0];
  assert.equal(planned?.outcome, 'dry_run');
  assert.equal(sh('docker images -q --filter label=medic.release').stdout.trim(), '', 'the image is removed');
  assert.equal(sh('ls /var/lib/medic/compose/dockerapp/web/releases').stdout.trim(), '');
  assert.equal(container(web).Id, before.Id);
  startLoad();
  // in text, as a person runs it: the steps on stderr, the outcome on stdout
  const t = Date.now();
  const text = inBox('medic', 'deploy', '--service', 'web', '--window', '3s', release);
  const ms = Date.now() - t;
  const load = stopLoad(LOAD);
  assert.equal(text.code, 0, text.stdout + text.stderr);
  const done = /^web: (\S+) is live \(was (\S+)\)$/m.exec(text.stdout);
  assert.ok(done, text.stdout);
  const r = { out: { release: done[1] ?? '', previous: done[2] ?? '' }, stderr: text.stderr };
  console.log(`# good deploy: ${ms} ms`);
  for (const line of text.stderr.trim().split('\n')) console.log(`#   ${line}`);
  // the first deploy made the running image a release, and took the site over
  assert.match(r.stderr, new RegExp(`the running image \\S+ is release ${r.out.previous} `));
  assert.match(r.stderr, /rewrote \/etc\/nginx\/sites-available\/dockerapp/);
  assert.match(r.stderr, /Nginx sends web to the new release \(127\.0\.0\.1:18030\)/);
  assert.equal(live(), `releases/${r.out.release}`);
  assert.match(versionServed(), /"version":"v2"/);
  // compose's own container runs the release, the name in the compose file points at it, and traffic is
  // back on the published port
  const now = container(web);
  assert.notEqual(now.Id, before.Id);
  assert.equal(now.Config.Image, 'dockerapp:latest');
  const image = imageOf(`dockerapp:medic-${r.out.release}`);
  assert.equal(imageOf('dockerapp:latest'), image);
  assert.equal((now as unknown as { Image: string }).Image, image);
  assert.match(sh('cat /etc/nginx/medic/dockerapp_web.upstream').stdout, /^server 127\.0\.0\.1:8030;$/m);
  assert.deepEqual(candidates(), []);
  // the worker runs the same image name: it follows the release
  assert.match(r.stderr, /workers\s+worker recreated on the new release/);
  assert.equal((container(worker) as unknown as { Image: string }).Image, image);
  // what compose knows is the release: up -d recreates nothing
  mustPass(sh('cd /srv/dockerapp && docker-compose up -d'), 'docker-compose up -d');
  assert.equal(container(web).Id, now.Id);
  assertServed(load, 'good deploy');
  const releases = inBox('medic', 'releases', '--service', 'web');
  assert.match(releases.stdout, new RegExp(`^\\* ${r.out.release} .*/tmp/v2`, 'm'));
});

test('a release whose image cannot start stops at the gate; the live container serves on', () => {
  const broken = projectCopy('broken', 's = "import markdown_missing_module\\n" + s');
  const before = container(web).Id;
  const was = live();
  startLoad();
  const r = medic('deploy', '--window', '3s', broken);
  const load = stopLoad(LOAD);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.out.outcome, 'failed');
  assert.equal(r.out.step, 'candidate');
  assert.match(r.out.message ?? '', /the new release is not healthy: the container exited with code 1/);
  assert.match(r.out.details.join('\n'), /ModuleNotFoundError: No module named 'markdown_missing_module'/);
  assert.equal(container(web).Id, before);
  assert.equal(live(), was);
  assert.match(versionServed(), /"version":"v2"/);
  assert.deepEqual(candidates(), []);
  assertServed(load, 'image that cannot start');
  assert.match(
    inBox('medic', 'releases', '--service', 'web').stdout,
    new RegExp(`^  ${r.out.release} .*\\(failed at candidate\\)`, 'm'),
  );
});

test('medic rollback goes back to the release before, through the same gated switch', () => {
  const was = live();
  startLoad();
  const r = medic('rollback', '--window', '3s');
  const load = stopLoad(LOAD);
  assert.equal(r.code, 0, JSON.stringify(r.out) + r.stderr);
  assert.equal(r.out.outcome, 'live');
  console.log(`# rollback: ${r.ms} ms`);
  assert.notEqual(`releases/${r.out.release}`, was);
  assert.equal(live(), `releases/${r.out.release}`);
  // the image the project ran before medic's first deploy: no /version
  assert.doesNotMatch(versionServed(), /version/);
  assert.equal(imageOf('dockerapp:latest'), imageOf(`dockerapp:medic-${r.out.release}`));
  assertServed(load, 'rollback');
});

test('medic SIGKILLed at each step: the site serves after each, and the next deploy recovers', () => {
  const release = versioned('v3');
  // Each kill lands while the step after the one named is under way; the deploy after it recovers first.
  const points = ['release', 'build', 'candidate', 'switch', 'watch', 'promote'];
  startLoad();
  for (const step of points) {
    const killed = sh(`rm -f /tmp/killed.log
nohup medic deploy --service web --window 2s ${release} > /tmp/killed.log 2>&1 &
pid=$!
for i in $(seq 1200); do grep -q "^${step} " /tmp/killed.log && break; kill -0 $pid 2>/dev/null || break; sleep 0.05; done
kill -9 $pid; cat /tmp/killed.log`);
    assert.match(killed.stdout, new RegExp(`^${step} `, 'm'), `never reached ${step}: ${killed.stdout}`);
    assert.doesNotMatch(killed.stdout, /is live/, `the deploy ended before the kill after ${step}`);
    assert.equal(
      sh(`curl -s -o /dev/null -w '%{http_code}' --max-time 5 ${site}/health`).stdout,
      '200',
      `the site after a kill following ${step}`,
    );
  }
  const next = medic('deploy', '--window', '2s', release);
  const load = stopLoad(LOAD);
  assert.equal(next.code, 0, `${JSON.stringify(next.out)}\n${next.stderr}`);
  assert.equal(live(), `releases/${next.out.release}`);
  assert.match(versionServed(), /"version":"v3"/);
  assert.deepEqual(candidates(), []);
  assert.equal(imageOf('dockerapp:latest'), imageOf(`dockerapp:medic-${next.out.release}`));
  assert.equal(
    sh('ls -a /var/lib/medic/compose/dockerapp/web/releases | grep -c partial').stdout.trim(),
    '0',
  );
  assertServed(load, 'SIGKILL at each step, then a deploy');
});

test('a release with a new migration: applied in a one-off container of its image before its candidate starts', () => {
  const release = projectCopy(
    'v4',
    `s += '\\n\\n@app.get("/tags")\\ndef tags():\\n    with db() as conn, conn.cursor() as cur:\\n        cur.execute("SELECT count(tags) FROM notes")\\n        return {"tags": cur.fetchone()[0]}\\n'`,
  );
  mustPass(
    sh(`cat > ${release}/migrations/versions/0002_note_tags.py <<'EOF'
"""note tags

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade():
    op.execute("ALTER TABLE notes ADD COLUMN tags text")


def downgrade():
    op.execute("ALTER TABLE notes DROP COLUMN tags")
EOF`),
    'the revision 0002',
  );
  startLoad();
  const r = medic('deploy', '--window', '2s', release);
  const load = stopLoad(LOAD);
  assert.equal(r.code, 0, `${JSON.stringify(r.out)}\n${r.stderr}`);
  assert.deepEqual(
    r.out.preflight.filter((p) => p.status === 'fail'),
    [],
    'the candidate passes the checks that gate a deploy',
  );
  assert.ok(r.out.preflight.some((p) => p.id === 'docker.services_reachable' && p.status === 'pass'));
  assert.equal(r.out.migrations.length, 1, r.stderr);
  assert.match(r.out.migrations[0] ?? '', /Running upgrade 0001 -> 0002, note tags/);
  // the new code reads the new column, and the one-off container is gone
  assert.equal(sh(`curl -s --max-time 5 ${site}/tags`).stdout, '{"tags":0}');
  assert.equal(sh('docker ps -aq --filter name=medic-migrate').stdout.trim(), '');
  const checked = inBox('medic', 'check', 'web', '--only', 'docker.migrations_applied');
  assert.match(checked.stdout, /at head 0002/, checked.stdout + checked.stderr);
  assertServed(load, 'a release with a migration');
});

test('a rollback past a migration: refused with the way down; once the database is taken back, it goes back', () => {
  const was = live();
  const refused = medic('rollback', '--window', '2s');
  assert.equal(refused.code, 1, JSON.stringify(refused.out));
  assert.equal(refused.out.step, 'migrations');
  assert.match(refused.out.message ?? '', /the database is at 0002, which \S+ does not know/);
  const way = refused.out.details.find((d) => /alembic downgrade/.test(d)) ?? '';
  assert.equal(way, 'cd /srv/dockerapp && docker compose exec web python3 -m alembic downgrade 0001');
  // nothing moved: the release with the migration serves, no candidate is left
  assert.equal(live(), was);
  assert.equal(sh(`curl -s --max-time 5 ${site}/tags`).stdout, '{"tags":0}');
  assert.deepEqual(candidates(), []);
  // the way down as a user runs it with Debian's compose (v1: exec -T without a terminal)
  mustPass(sh(way.replace('docker compose exec', 'docker-compose exec -T')), 'alembic downgrade 0001');
  startLoad();
  const back = medic('rollback', '--window', '2s');
  const load = stopLoad(LOAD);
  assert.equal(back.code, 0, `${JSON.stringify(back.out)}\n${back.stderr}`);
  assert.deepEqual(back.out.warnings, []);
  assert.notEqual(live(), was);
  assert.notEqual(sh(`curl -s -o /dev/null -w '%{http_code}' --max-time 5 ${site}/tags`).stdout, '200');
  assertServed(load, 'a rollback after the way down');
});
