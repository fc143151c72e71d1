// medic deploy on the testbed, each case under a load generator hitting Nginx: flaskapp (Gunicorn on a
// socket) converted to the release layout and deployed; releases that cannot import, lack an env variable
// or fail their health after the switch; two deploys at once; medic rollback; medic SIGKILLed at each step;
// fastapi (Uvicorn on TCP behind TLS) with a failing migration, an irreversible one and a refused rollback.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { checkout, inBox, mustPass, sh, testbed } from './box.ts';
import { assertNoFailedRequest, startLoad as startFrom, stopLoad } from './load.ts';

const SINK = '/tmp/medic-deploy-alerts.jsonl';
const HOOK_PORT = 9913;

const startLoad = (url = 'http://flask.medic.test/') => startFrom(url);

interface Out {
  outcome: string;
  release: string;
  previous: string;
  step: string | null;
  message: string | null;
  details: string[];
  warnings: string[];
  migrations: string[];
}

/** medic --format json deploy/rollback ARGS for an app, parsed. */
function medic(app: string, ...args: string[]): { code: number; out: Out; stderr: string } {
  const [command = 'deploy', ...rest] = args;
  const r = inBox('medic', '--format', 'json', command, '--service', app, ...rest);
  let out: Out;
  try {
    const { services } = JSON.parse(r.stdout) as { services: Out[] };
    out = services[0] as Out;
  } catch {
    throw new Error(`medic ${args.join(' ')} printed no JSON (${r.code}): ${r.stdout}${r.stderr}`);
  }
  return { code: r.code, out, stderr: r.stderr };
}

const live = (app: string) => sh(`readlink /srv/${app}/current`).stdout.trim();

/** A copy of the live release of flaskapp at /tmp/NAME, changed by a Python snippet run on its __init__.py. */
function flaskCopy(name: string, edit: string): string {
  mustPass(
    sh(`set -e; rm -rf /tmp/${name}; cp -a /srv/flaskapp/current/ /tmp/${name}
python3 - /tmp/${name}/flaskapp/__init__.py <<'EOF'
import sys
p = sys.argv[1]
s = open(p).read()
${edit}
open(p, 'w').write(s)
EOF`),
    `a changed copy of flaskapp (${name})`,
  );
  return `/tmp/${name}`;
}

let sink: ChildProcess;

/** The deploy alerts of EVENT the webhook receiver got. */
function deployAlerts(event: string) {
  return readFileSync(SINK, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map(
      (l) =>
        JSON.parse(l) as {
          via: string;
          body?: { event?: string; headline?: string; deploy?: { release: string } };
        },
    )
    .filter((m) => m.via === 'http' && m.body?.event === event);
}

before(() => {
  rmSync(SINK, { force: true });
  sink = spawn(
    process.execPath,
    [`${checkout}test/integration/alert-sink.ts`, SINK, String(HOOK_PORT), '2526'],
    {
      stdio: 'inherit',
    },
  );
  mustPass(testbed('reset'), 'scripts/testbed reset');
  // medic.yaml names the apps, their health URLs and where alerts go
  mustPass(
    sh(`set -e; mkdir -p /etc/medic; medic init -c /etc/medic/medic.yaml --force >/dev/null
cat >> /etc/medic/medic.yaml <<'EOF'
notify:
  webhook:
    - http://127.0.0.1:${HOOK_PORT}/hook
EOF`),
    'medic.yaml',
  );
});
after(() => {
  sh('kill $(cat /tmp/medic-load.log.pid) 2>/dev/null');
  sink.kill();
  testbed('reset');
});

test('deploy --init, then a deploy: switched and verified, and the load generator sees no failed request', () => {
  startLoad();
  const init = inBox('medic', 'deploy', '--init', '--service', 'flaskapp');
  assert.equal(init.code, 0, init.stdout + init.stderr);
  // the file sites-enabled links to is rewritten: the link stays a link
  assert.match(init.stderr, /rewrote \/etc\/nginx\/sites-available\/flaskapp/);
  assert.equal(
    sh('readlink /etc/nginx/sites-enabled/flaskapp').stdout.trim(),
    '/etc/nginx/sites-available/flaskapp',
  );
  assert.match(init.stderr, /Nginx sends flaskapp to the new release/);
  const first = live('flaskapp');
  const deploy = medic('flaskapp', 'deploy', '--window', '3s', '/srv/flaskapp/current');
  const load = stopLoad();
  assert.equal(deploy.code, 0, JSON.stringify(deploy.out) + deploy.stderr);
  assert.equal(deploy.out.outcome, 'live');
  assert.equal(`releases/${deploy.out.previous}`, first);
  assert.equal(live('flaskapp'), `releases/${deploy.out.release}`);
  // the live unit runs the new release, and the candidate is gone
  const pid = sh('systemctl show -p MainPID --value flaskapp').stdout.trim();
  assert.equal(sh(`readlink /proc/${pid}/cwd`).stdout.trim(), `/srv/flaskapp/releases/${deploy.out.release}`);
  assert.notEqual(sh('systemctl is-active flaskapp-medic-next').stdout.trim(), 'active');
  assertNoFailedRequest(load);
  const releases = inBox('medic', 'releases', '--service', 'flaskapp');
  assert.match(releases.stdout, new RegExp(`^\\* ${deploy.out.release}`, 'm'));
});

test('a release that cannot import stops at preflight; the old release serves on', () => {
  const broken = flaskCopy('broken', 's += "\\nimport markdown_missing_module\\n"');
  const before = live('flaskapp');
  // a dry run finds it too, and leaves nothing behind
  const releasesBefore = sh('ls /srv/flaskapp/releases').stdout;
  const dry = medic('flaskapp', 'deploy', '--dry-run', broken);
  assert.equal(dry.code, 1, dry.stderr);
  assert.equal(dry.out.step, 'preflight');
  assert.match(dry.out.message ?? '', /app\.importable/);
  assert.equal(sh('ls /srv/flaskapp/releases').stdout, releasesBefore, 'the dry run left no release');
  startLoad();
  const r = medic('flaskapp', 'deploy', broken);
  const load = stopLoad();
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.out.outcome, 'failed');
  assert.equal(r.out.step, 'preflight');
  assert.match(r.out.message ?? '', /app\.importable.*No module named 'markdown_missing_module'/);
  assert.equal(live('flaskapp'), before);
  assertNoFailedRequest(load);
  // whoever started it hears of it through medic.yaml's notify, with the old release still serving
  const alert = deployAlerts('deploy.failed').find((a) => a.body?.deploy?.release === r.out.release);
  assert.match(alert?.body?.headline ?? '', /flaskapp on .*: deploy of \S+ failed — .*app\.importable/);
  // the failed release is kept for a look, marked as never served
  assert.match(
    inBox('medic', 'releases', '--service', 'flaskapp').stdout,
    new RegExp(`^  ${r.out.release} .*\\(failed at preflight\\)`, 'm'),
  );
});

test('a release that reads an env variable the env file lacks stops at preflight, naming it', () => {
  const release = flaskCopy(
    'needs-env',
    's = s.replace(\'app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]\', \'app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]\\n    app.config["PAYMENTS"] = os.environ["PAYMENTS_API_KEY"]\')',
  );
  const before = live('flaskapp');
  startLoad();
  const r = medic('flaskapp', 'deploy', release);
  const load = stopLoad();
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.out.step, 'preflight');
  assert.match(r.out.message ?? '', /env\.required_present/);
  assert.match(`${r.out.message} ${r.out.details.join(' ')}`, /PAYMENTS_API_KEY/);
  assert.equal(live('flaskapp'), before);
  assertNoFailedRequest(load);
});

test('two deploys at once: the second is refused, naming the first; the first completes', () => {
  sh(
    'rm -f /tmp/first.log; nohup medic deploy --service flaskapp --window 4s /srv/flaskapp/current > /tmp/first.log 2>&1 & echo $! > /tmp/first.pid',
  );
  mustPass(
    sh('for i in $(seq 100); do grep -q "^release" /tmp/first.log && exit 0; sleep 0.1; done; exit 1'),
    'the first deploy starting',
  );
  const second = inBox('medic', 'deploy', '--service', 'flaskapp', '/srv/flaskapp/current');
  assert.equal(second.code, 2, second.stdout + second.stderr);
  const pid = sh('cat /tmp/first.pid').stdout.trim();
  assert.match(second.stderr, new RegExp(`deploy.*pid ${pid}`));
  assert.equal(second.stderr.trim().split('\n').length, 1, second.stderr);
  const first = sh(`while kill -0 ${pid} 2>/dev/null; do sleep 0.2; done; cat /tmp/first.log`);
  assert.match(first.stdout, /is live/);
  assert.equal(sh('ls -a /srv/flaskapp/releases | grep -c partial').stdout.trim(), '0');
});

test('health fails after the switch: switched back automatically, no failed request, an alert sent', () => {
  // healthy at first (the candidate passes its gate), failing 8 s after start
  const release = flaskCopy(
    'sick',
    `s = s.replace('    app = Flask(__name__)\\n', '    app = Flask(__name__)\\n    started = time.time()\\n', 1)
s = s.replace('    def health():\\n', '    def health():\\n        if time.time() - started > 8:\\n            return jsonify(status="unhealthy", error="payments client lost"), 503\\n', 1)`,
  );
  const before = live('flaskapp');
  startLoad();
  const r = medic('flaskapp', 'deploy', '--window', '30s', release);
  const load = stopLoad();
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.out.outcome, 'rolled_back');
  assert.equal(r.out.step, 'watch');
  assert.match(r.out.message ?? '', /health through Nginx failed 3 times.*503/);
  assert.equal(live('flaskapp'), before);
  const pid = sh('systemctl show -p MainPID --value flaskapp').stdout.trim();
  assert.equal(sh(`readlink /proc/${pid}/cwd`).stdout.trim(), `/srv/flaskapp/${before}`);
  assertNoFailedRequest(load);
  const alerts = deployAlerts('deploy.rolled_back');
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0]?.body?.deploy?.release, r.out.release);
  // the deploy is a marker where the operator looks next
  const diagnose = inBox('medic', '--format', 'json', 'diagnose', 'flaskapp');
  assert.match(diagnose.stdout, new RegExp(`medic deploy of ${r.out.release}: rolled back at watch`));
});

test('medic rollback goes back one release through the same gated switch, under load', () => {
  const before = live('flaskapp');
  startLoad();
  const r = medic('flaskapp', 'rollback', '--window', '3s');
  const load = stopLoad();
  assert.equal(r.code, 0, JSON.stringify(r.out) + r.stderr);
  assert.equal(r.out.outcome, 'live');
  assert.notEqual(`releases/${r.out.release}`, before);
  assert.equal(live('flaskapp'), `releases/${r.out.release}`);
  assertNoFailedRequest(load);
});

test('medic SIGKILLed at each step: the site always serves, and the next deploy cleans up and succeeds', () => {
  // Each kill lands while the step after the one named is under way.
  const points: [string, number][] = [
    ['release', 0],
    ['venv', 0],
    ['preflight', 0],
    ['candidate', 0],
    ['switch', 0],
    ['watch', 0],
    ['watch', 1.5],
  ];
  startLoad();
  for (const [after, delay] of points) {
    const killed = sh(`rm -f /tmp/killed.log
nohup medic deploy --service flaskapp --window 3s /srv/flaskapp/current > /tmp/killed.log 2>&1 &
pid=$!
for i in $(seq 600); do grep -q "^${after} " /tmp/killed.log && break; kill -0 $pid 2>/dev/null || break; sleep 0.05; done
sleep ${delay}; kill -9 $pid; cat /tmp/killed.log`);
    assert.match(killed.stdout, new RegExp(`^${after} `, 'm'), `never reached ${after}: ${killed.stdout}`);
    assert.doesNotMatch(killed.stdout, /is live/, `the deploy ended before the kill after ${after}`);
    const next = medic('flaskapp', 'deploy', '--window', '2s', '/srv/flaskapp/current');
    assert.equal(
      next.code,
      0,
      `after a kill following ${after}: ${JSON.stringify(next.out)}\n${next.stderr}`,
    );
    assert.equal(live('flaskapp'), `releases/${next.out.release}`);
    assert.notEqual(sh('systemctl is-active flaskapp-medic-next').stdout.trim(), 'active');
  }
  assertNoFailedRequest(stopLoad());
  assert.equal(sh('ls -a /srv/flaskapp/releases | grep -c partial').stdout.trim(), '0');
});

test("djangoapp: collectstatic runs for the release, and Nginx serves the new release's static files", () => {
  startLoad('http://django.medic.test/');
  // An --init killed once Nginx took the site, before `current` exists: a second --init completes it.
  const killed = sh(`nohup medic deploy --init --service djangoapp > /tmp/init-killed.log 2>&1 &
pid=$!
for i in $(seq 3000); do grep -qs 'include /etc/nginx/medic/djangoapp.upstream;' /etc/nginx/sites-available/djangoapp && break; sleep 0.005; done
kill -STOP $pid; test -e /srv/djangoapp/current && echo 'current exists'; kill -9 $pid`);
  assert.equal(killed.stdout.trim(), '', `not killed in the window: ${killed.stdout}`);
  const init = inBox('medic', 'deploy', '--init', '--service', 'djangoapp');
  assert.equal(init.code, 0, init.stdout + init.stderr);
  assert.match(init.stderr, /sites-available\/djangoapp already sends djangoapp through/);
  mustPass(
    sh(`set -e; rm -rf /tmp/dj; cp -a /srv/djangoapp/current/ /tmp/dj; rm -rf /tmp/dj/staticfiles
echo '/* release with a new style */' >> /tmp/dj/static/site.css`),
    'a copy of djangoapp without collected static files',
  );
  const r = medic('djangoapp', 'deploy', '--window', '2s', '/tmp/dj');
  const load = stopLoad();
  assert.equal(r.code, 0, JSON.stringify(r.out) + r.stderr);
  // collected into the release, as the unit's user
  assert.equal(
    sh(`stat -c %U /srv/djangoapp/releases/${r.out.release}/staticfiles/site.css`).stdout.trim(),
    'www-data',
  );
  assert.match(sh('curl -s http://django.medic.test/static/site.css').stdout, /release with a new style/);
  // the Celery worker follows the release too
  assert.match(init.stderr, /djangoapp-celery\.service\.d\/medic-release\.conf/);
  const worker = sh('systemctl show -p MainPID --value djangoapp-celery').stdout.trim();
  assert.equal(sh(`readlink /proc/${worker}/cwd`).stdout.trim(), `/srv/djangoapp/releases/${r.out.release}`);
  assertNoFailedRequest(load);
});

/** A copy of fastapi's live release at /tmp/NAME with one more Alembic revision. */
function fastapiWith(name: string, revision: string): string {
  mustPass(
    sh(`set -e; rm -rf /tmp/${name}; cp -a /srv/fastapi/current/ /tmp/${name}
cat > /tmp/${name}/migrations/versions/0003_${name}.py <<'EOF'
${revision}
EOF`),
    `a copy of fastapi with 0003_${name}`,
  );
  return `/tmp/${name}`;
}

test('fastapi over TCP and TLS: a failing migration stops the deploy before any traffic moves', () => {
  startLoad('https://fastapi.medic.test/health');
  const init = inBox('medic', 'deploy', '--init', '--service', 'fastapi');
  assert.equal(init.code, 0, init.stdout + init.stderr);
  const before = live('fastapi');
  const release = fastapiWith(
    'bad',
    `"""add invoices.total\n\nRevision ID: 0003\nRevises: 0002\n"""\nimport sqlalchemy as sa\nfrom alembic import op\n\nrevision = "0003"\ndown_revision = "0002"\n\n\ndef upgrade():\n    op.add_column("invoices", sa.Column("total", sa.Integer))\n\n\ndef downgrade():\n    op.drop_column("invoices", "total")`,
  );
  const r = medic('fastapi', 'deploy', release);
  const load = stopLoad();
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.out.outcome, 'failed');
  assert.equal(r.out.step, 'migrate');
  assert.match(r.out.details.join('\n'), /relation "invoices" does not exist/);
  assert.equal(live('fastapi'), before);
  assert.equal(
    sh("runuser -u postgres -- psql -tAc 'select version_num from alembic_version' fastapi").stdout.trim(),
    '0002',
  );
  assertNoFailedRequest(load);
});

test('fastapi: an irreversible migration is applied with a warning; rolling back past it needs --force', () => {
  const release = fastapiWith(
    'tags',
    `"""add items.tags\n\nRevision ID: 0003\nRevises: 0002\n"""\nimport sqlalchemy as sa\nfrom alembic import op\n\nrevision = "0003"\ndown_revision = "0002"\n\n\ndef upgrade():\n    op.add_column("items", sa.Column("tags", sa.Text, nullable=False, server_default=""))\n\n\ndef downgrade():\n    raise NotImplementedError("tags cannot be dropped without losing them")`,
  );
  const before = live('fastapi');
  startLoad('https://fastapi.medic.test/health');
  const releasesBefore = sh('ls /srv/fastapi/releases').stdout;
  const releasesListed = inBox('medic', 'releases', '--service', 'fastapi').stdout;
  const alembicAt = () =>
    sh("runuser -u postgres -- psql -tAc 'select version_num from alembic_version' fastapi").stdout.trim();
  // --dry-run first: preflight and the migration it would apply, with the warning; nothing moves
  const dry = medic('fastapi', 'deploy', '--dry-run', release);
  assert.equal(dry.code, 0, JSON.stringify(dry.out) + dry.stderr);
  assert.equal(dry.out.outcome, 'dry_run');
  assert.deepEqual(dry.out.migrations, ['would apply 0003']);
  assert.match(dry.out.warnings.join('\n'), /0003 cannot be undone \(downgrade\(\) raises\)/);
  assert.equal(alembicAt(), '0002');
  assert.equal(live('fastapi'), before);
  assert.equal(sh('ls /srv/fastapi/releases').stdout, releasesBefore, 'the dry run left no release');
  assert.equal(inBox('medic', 'releases', '--service', 'fastapi').stdout, releasesListed);
  assert.notEqual(sh('systemctl is-active fastapi-medic-next').stdout.trim(), 'active');
  const dryText = inBox('medic', 'deploy', '--service', 'fastapi', '--dry-run', release);
  assert.equal(dryText.code, 0, dryText.stderr);
  assert.match(
    dryText.stdout,
    /fastapi: dry run: the release would go ahead \(preflight passed; would apply 0003\)/,
  );
  assert.match(dryText.stdout, /nothing moved: \S+ serves/);
  const r = medic('fastapi', 'deploy', '--window', '2s', release);
  assert.equal(r.code, 0, JSON.stringify(r.out) + r.stderr);
  assert.match(r.out.warnings.join('\n'), /0003 cannot be undone \(downgrade\(\) raises\)/);
  assert.equal(
    sh("runuser -u postgres -- psql -tAc 'select version_num from alembic_version' fastapi").stdout.trim(),
    '0003',
  );
  assert.match(
    inBox('medic', 'releases', '--service', 'fastapi').stdout,
    new RegExp(`^\\* ${r.out.release} .*migrations at 0003`, 'm'),
  );
  // back to the release before: it does not know 0003
  const refused = medic('fastapi', 'rollback', '--window', '2s');
  assert.equal(refused.code, 1);
  assert.equal(refused.out.step, 'migrations');
  assert.match(refused.out.message ?? '', /the database is at 0003, which \S+ does not know/);
  // the way down runs from the live release: only it has the revision's downgrade()
  assert.match(
    refused.out.details.join('\n'),
    new RegExp(`cd /srv/fastapi/releases/${r.out.release} && sudo -u www-data \\S+/alembic downgrade 0002`),
  );
  assert.equal(live('fastapi'), `releases/${r.out.release}`);
  // a dry run of the rollback tells the same before anything moves
  const dryBack = medic('fastapi', 'rollback', '--dry-run');
  assert.equal(dryBack.code, 1);
  assert.equal(dryBack.out.step, 'migrations');
  assert.equal(live('fastapi'), `releases/${r.out.release}`);
  const forced = medic('fastapi', 'rollback', '--force', '--window', '2s');
  const load = stopLoad();
  assert.equal(forced.code, 0, JSON.stringify(forced.out) + forced.stderr);
  assert.equal(live('fastapi'), before);
  assert.match(forced.out.warnings.join('\n'), /\(--force\)/);
  assertNoFailedRequest(load);
});
