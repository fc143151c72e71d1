// medic deploy's pure rules: which migrations cannot be undone (fixtures are real migration files: the
// testbed's own and public ones, cited in their first line), what a release knows, what the database is
// ahead by, the candidate's command line, the Nginx site conversion, and the deploy markers.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { candidateArgv } from '../../src/deploy/deploy.ts';
import { releaseIdAt } from '../../src/deploy/layout.ts';
import {
  alembicIrreversible,
  djangoIrreversible,
  downgradeCommand,
  pendingOf,
  releaseMigrations,
  unknownTo,
} from '../../src/deploy/migrations.ts';
import { convertSite } from '../../src/deploy/nginx-switch.ts';
import { alertText, deployAlertOf } from '../../src/watch/alert.ts';
import { Store } from '../../src/store/store.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/migrations/${name}`, import.meta.url), 'utf8').replace(
    /^# source:.*\n/,
    '',
  );
const box = (path: string) => fileURLToPath(new URL(`../../testbed/image/files/${path}`, import.meta.url));

test('an Alembic revision is irreversible when downgrade() does nothing or raises', () => {
  assert.equal(
    alembicIrreversible(readFileSync(box('srv/fastapi/migrations/versions/0002_add_priority.py'), 'utf8')),
    null,
  );
  assert.equal(
    alembicIrreversible(readFileSync(box('srv/fastapi/migrations/versions/0001_create_items.py'), 'utf8')),
    null,
  );
  assert.match(
    alembicIrreversible(fixture('lifelike-9f750e67e169_project_versions.py')) ?? '',
    /downgrade\(\) does nothing/,
  );
  const raising = readFileSync(box('srv/fastapi/migrations/versions/0002_add_priority.py'), 'utf8').replace(
    /def downgrade\(\):\n(\s+.*\n?)+$/,
    'def downgrade():\n    raise NotImplementedError("priority values cannot be recovered")\n',
  );
  assert.equal(alembicIrreversible(raising), 'downgrade() raises');
});

test('a Django migration is irreversible when RunPython or RunSQL has no reverse', () => {
  assert.equal(
    djangoIrreversible(fixture('pylint-django-0003_without_backwards.py')),
    'RunPython without reverse_code',
  );
  assert.equal(djangoIrreversible(fixture('pylint-django-0004_noerror_with_backwards.py')), null);
  assert.equal(
    djangoIrreversible(readFileSync(box('srv/djangoapp/notes/migrations/0002_note_words.py'), 'utf8')),
    null,
  );
});

test("what a release knows: the testbed's Alembic and Django migrations", async () => {
  const fastapi = await releaseMigrations(box('srv/fastapi'), { tool: 'alembic', dir: 'migrations' });
  assert.equal(fastapi.head, '0002');
  assert.deepEqual([...fastapi.known].sort(), ['0001', '0002']);
  assert.deepEqual(fastapi.irreversible, []);
  // the database stores only its head: 0001 applied means 0002 is pending, 0002 means nothing is
  assert.deepEqual(pendingOf(fastapi, ['0001']), [{ id: '0002', why: null }]);
  assert.deepEqual(pendingOf(fastapi, ['0002']), []);
  assert.equal(pendingOf(fastapi, []).length, 2);
  const django = await releaseMigrations(box('srv/djangoapp'), { tool: 'django', dir: '*/migrations' });
  assert.equal(django.head, 'notes.0002_note_words');
  assert.deepEqual(django.known, ['notes.0001_initial', 'notes.0002_note_words']);
  assert.deepEqual(pendingOf(django, ['notes.0001_initial']), [{ id: 'notes.0002_note_words', why: null }]);
});

test('a rollback target that does not know the database migration, and the way down', async () => {
  const fastapi = await releaseMigrations(box('srv/fastapi'), { tool: 'alembic', dir: 'migrations' });
  assert.deepEqual(unknownTo(['0003'], fastapi), ['0003']);
  assert.deepEqual(unknownTo(['0002'], fastapi), []);
  assert.equal(
    downgradeCommand(
      {
        dir: '/srv/fastapi/releases/B',
        python: '/srv/fastapi/releases/B/.venv/bin/python',
        user: 'www-data',
        tool: 'alembic',
      },
      fastapi,
      ['0003'],
    ),
    'cd /srv/fastapi/releases/B && sudo -u www-data /srv/fastapi/releases/B/.venv/bin/alembic downgrade 0002',
  );
  const django = await releaseMigrations(box('srv/djangoapp'), { tool: 'django', dir: '*/migrations' });
  assert.deepEqual(unknownTo(['notes.0001_initial', 'notes.0003_note_tags'], django), [
    'notes.0003_note_tags',
  ]);
  assert.equal(
    downgradeCommand(
      {
        dir: '/srv/d/releases/B',
        python: '/srv/d/releases/B/.venv/bin/python',
        user: 'www-data',
        tool: 'django',
      },
      django,
      ['notes.0003_note_tags'],
    ),
    'cd /srv/d/releases/B && sudo -u www-data /srv/d/releases/B/.venv/bin/python manage.py migrate notes 0002_note_words',
  );
});

test("the candidate's command line: the live bind replaced, everything else kept", () => {
  const fastapi = [
    '/srv/fastapi/current/.venv/bin/uvicorn',
    'app.main:app',
    '--host',
    '127.0.0.1',
    '--port',
    '8000',
    '--proxy-headers',
  ];
  assert.deepEqual(candidateArgv(fastapi, 'uvicorn', { kind: 'tcp', host: '127.0.0.1', port: 18000 }), [
    '/srv/fastapi/current/.venv/bin/uvicorn',
    'app.main:app',
    '--proxy-headers',
    '--host',
    '127.0.0.1',
    '--port',
    '18000',
  ]);
  const flask = [
    '/srv/flaskapp/.venv/bin/gunicorn',
    '--workers',
    '2',
    '--bind',
    'unix:/run/flaskapp/gunicorn.sock',
    'wsgi:app',
  ];
  assert.deepEqual(
    candidateArgv(flask, 'gunicorn', { kind: 'unix', path: '/run/flaskapp-medic-next/gunicorn.sock' }),
    [
      '/srv/flaskapp/.venv/bin/gunicorn',
      '--workers',
      '2',
      '--bind',
      'unix:/run/flaskapp-medic-next/gunicorn.sock',
      'wsgi:app',
    ],
  );
});

test("the Nginx site through medic's upstream: a direct proxy_pass and an upstream block of the bind", () => {
  const flask = convertSite(readFileSync(box('etc/nginx/sites-available/flaskapp'), 'utf8'), {
    app: 'flaskapp',
    bind: { kind: 'unix', path: '/run/flaskapp/gunicorn.sock' },
    root: '/srv/flaskapp',
    shared: ['.env', 'uploads'],
  });
  assert.match(flask.text, /proxy_pass http:\/\/medic_flaskapp;/);
  assert.match(flask.text, /alias \/srv\/flaskapp\/current\/static\/;/);
  assert.match(flask.text, /include \/etc\/nginx\/medic\/flaskapp\.upstream;/);
  assert.match(flask.text, /add_header X-Medic-Upstream \$medic_flaskapp_upstream always;/);
  const fastapi = convertSite(readFileSync(box('etc/nginx/sites-available/fastapi'), 'utf8'), {
    app: 'fastapi',
    bind: { kind: 'tcp', host: '127.0.0.1', port: 8000 },
    root: '/srv/fastapi',
    shared: ['.env'],
  });
  assert.match(fastapi.text, /proxy_pass http:\/\/medic_fastapi;/);
  assert.doesNotMatch(fastapi.text, /proxy_pass http:\/\/fastapi_app;/);
  // a site that proxies elsewhere is left alone
  const other = convertSite(readFileSync(box('etc/nginx/sites-available/fastapi'), 'utf8'), {
    app: 'fastapi',
    bind: { kind: 'tcp', host: '127.0.0.1', port: 9000 },
    root: '/srv/fastapi',
    shared: [],
  });
  assert.equal(other.changes.length, 0);
});

test('release ids sort by time and never collide', () => {
  const at = new Date('2026-11-22T02:37:17.512Z');
  assert.equal(releaseIdAt(at, []), '20261122T023717Z');
  assert.equal(releaseIdAt(at, ['20261122T023717Z']), '20261122T023717Z-2');
});

test("deploys are markers on an incident's timeline and in a read-only reader; a rollback alert says what serves", () => {
  const path = join(mkdtempSync(join(tmpdir(), 'medic-deploy-')), 'medic.db');
  assert.deepEqual(Store.readDeploys(path, 'flaskapp', ''), []);
  const store = Store.open(path, { create: true });
  const base = { service: 'flaskapp', source: '/tmp/src', step: null, message: null, previous: 'A' } as const;
  store.recordDeploy({
    ...base,
    kind: 'deploy',
    release: 'B',
    startedAt: '2026-11-22T02:00:00.000Z',
    finishedAt: '2026-11-22T02:01:00.000Z',
    outcome: 'live',
  });
  store.recordDeploy({
    ...base,
    kind: 'deploy',
    release: 'C',
    previous: 'B',
    startedAt: '2026-11-22T05:00:00.000Z',
    finishedAt: '2026-11-22T05:01:00.000Z',
    outcome: 'rolled_back',
    step: 'watch',
    message: 'health failed',
  });
  const incident = store.openIncident({
    service: 'flaskapp',
    unit: 'flaskapp.service',
    trigger: 'crash',
    summary: 'flaskapp crashed',
    startedAt: '2026-11-22T02:30:00.000Z',
    detectedAt: '2026-11-22T02:30:00.300Z',
  });
  store.addEvent(
    incident.id,
    '2026-11-22T02:30:00.000Z',
    'crash',
    'flaskapp.service: exited, status=1/FAILURE',
  );
  const open = store.timeline(store.incident(incident.id) ?? incident).map((e) => e.text);
  // the deploy half an hour before is on it, before the crash; an open incident also shows the later one
  assert.deepEqual(open, [
    'medic deploy of B: live (was A)',
    'flaskapp.service: exited, status=1/FAILURE',
    'medic deploy of C: rolled back at watch (B serves again)',
  ]);
  store.update(incident.id, { state: 'resolved', resolvedAt: '2026-11-22T02:35:00.000Z' });
  const resolved = store.timeline(store.incident(incident.id) ?? incident).map((e) => e.text);
  assert.equal(resolved.length, 2, 'a deploy after the incident ended is not on its timeline');
  store.close();
  const read = Store.readDeploys(path, 'flaskapp', '2026-11-22T03:00:00.000Z');
  assert.deepEqual(
    read.map((d) => d.release),
    ['C'],
  );
  const text = alertText(
    deployAlertOf(
      {
        service: 'flaskapp',
        unit: 'flaskapp.service',
        kind: 'deploy',
        outcome: 'rolled_back',
        release: 'C',
        previous: 'B',
        step: 'watch',
        message: 'health failed 3 times',
        startedAt: '2026-11-22T05:00:00.000Z',
        finishedAt: '2026-11-22T05:01:00.000Z',
        steps: [
          { time: '2026-11-22T05:00:30.000Z', text: 'switch: Nginx sends flaskapp to the new release' },
        ],
        fix: ['medic releases --service flaskapp'],
      },
      'web1',
    ),
  );
  assert.match(text, /^flaskapp on web1: deploy of C rolled back — health failed 3 times/);
  assert.match(text, /state {5}B serves again/);
  assert.match(text, /\$ medic releases --service flaskapp/);
  // stopped before traffic moved: deploy.failed, and the old release still serves
  const failed = deployAlertOf(
    {
      service: 'fastapi',
      unit: 'fastapi.service',
      kind: 'deploy',
      outcome: 'failed',
      release: 'D',
      previous: 'C',
      step: 'migrate',
      message: 'alembic upgrade head failed: relation "invoices" does not exist',
      startedAt: '2026-11-22T06:00:00.000Z',
      finishedAt: '2026-11-22T06:00:20.000Z',
      steps: [],
      fix: ['medic releases --service fastapi'],
    },
    'web1',
  );
  assert.equal(failed.event, 'deploy.failed');
  assert.equal(failed.recoveredAt, null);
  const failedText = alertText(failed);
  assert.match(failedText, /^fastapi on web1: deploy of D failed — alembic upgrade head failed/);
  assert.match(failed.summary, /failed at migrate, before any traffic moved/);
  assert.match(failedText, /state {5}C still serves/);
});
