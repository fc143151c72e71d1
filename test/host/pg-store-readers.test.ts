// Reading every host's incidents back from the shared store: medic incidents (list, --host, show HOST/ID)
// and medic serve's pages and /api, over rows two hosts' replicators shipped to a real PostgreSQL. The
// password (from MEDIC_STORE_URL) appears nowhere; a shared store that does not answer is one line, exit 2.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SharedStore } from '../../src/store/pg-store.ts';
import { Replicator } from '../../src/store/replicator.ts';
import { Store } from '../../src/store/store.ts';
import { MEDIC, startServe } from './dashboard-fixture.ts';
import { type Cluster, MEDIC_PASSWORD, startCluster, tempDir } from './pg-store-cluster.ts';

let cluster: Cluster;
let dir: string;
const here = hostname();

/** An incident as medic watch records one, on a store of its own. */
function record(store: Store, service: string, startedAt: string, resolved: boolean) {
  const i = store.openIncident({
    service,
    unit: `${service}.service`,
    trigger: 'crash',
    summary: `${service}.service exited with status 3`,
    startedAt,
    detectedAt: new Date(Date.parse(startedAt) + 300).toISOString(),
  });
  store.addEvent(i.id, startedAt, 'crash', `${service}: ImportError: cannot import name 'db'`);
  if (resolved) {
    const at = new Date(Date.parse(startedAt) + 60_000).toISOString();
    store.update(i.id, { state: 'resolved', recoveredAt: at, resolvedAt: at });
  }
  return i;
}

before(async () => {
  cluster = await startCluster();
  dir = tempDir('medic-pg-readers-');
  writeFileSync(
    join(dir, 'medic.yaml'),
    [
      'version: 1',
      'services:',
      '  flaskapp:',
      '    unit: flaskapp.service',
      'store: ${MEDIC_STORE_URL}',
      '',
    ].join('\n'),
  );
  const shared = new SharedStore(cluster.url, { application: 'medic test' });
  // this host: one resolved incident; web2: one open (same local id 1), and a second
  for (const [host, incidents] of [
    [here, [['flaskapp', '2026-05-20T08:00:00.000Z', true]]],
    [
      'web2',
      [
        ['flaskapp', '2026-05-20T09:00:00.000Z', false],
        ['worker', '2026-05-20T09:30:00.000Z', true],
      ],
    ],
  ] as const) {
    const store = Store.open(join(tempDir('medic-pg-readers-'), 'medic.db'), {
      create: true,
    });
    for (const [service, at, resolved] of incidents) record(store, service, at, resolved);
    // what web2's watch knows of its services, as the daemon ships it
    const services = () => [
      {
        name: 'flaskapp',
        unit: 'flaskapp.service',
        workers: [],
        healthUrl: null,
        phase: 'restarting',
        lastHealth: null,
      },
    ];
    await new Replicator({ storePath: store.path, shared, host, log: () => undefined, services }).catchUp();
    store.close();
  }
  await shared.close();
});
after(() => cluster.remove());

test("medic serve shows every host's incidents and services, each with its host", async () => {
  process.env['MEDIC_STORE_URL'] = cluster.url;
  const served = await startServe(['-c', join(dir, 'medic.yaml'), '--listen', '127.0.0.1:0'], dir);
  try {
    assert.match(served.output(), /store postgresql:\/\/medic:\*\*\*@127\.0\.0\.1:\d+\/medic\)/);
    const get = async (path: string) => {
      const res = await fetch(new URL(path, served.url));
      const body = await res.text();
      assert.ok(!body.includes(MEDIC_PASSWORD), path);
      return { status: res.status, body };
    };
    const api = JSON.parse((await get('/api/incidents')).body) as {
      incidents: { host: string; id: number }[];
    };
    assert.deepEqual(
      api.incidents.map((i) => `${i.host}/${i.id}`),
      ['web2/2', 'web2/1', `${here}/1`],
    );
    const list = (await get('/incidents')).body;
    assert.match(list, /<th>host<\/th>\s*<th>#<\/th>/);
    assert.match(list, /<td>web2<\/td>\s*<td><a href="\/incidents\/1\?host=web2">#1<\/a><\/td>/);
    const page = await get('/incidents/1?host=web2');
    assert.equal(page.status, 200);
    assert.match(
      page.body,
      /<h1>Incident #1 · flaskapp on web2 <span class="badge badge-down">open<\/span><\/h1>/,
    );
    assert.match(page.body, /medic incidents show web2\/1/);
    assert.equal((await get('/incidents/9?host=web2')).status, 404);
    const services = JSON.parse((await get('/api/services')).body) as {
      services: { host: string; name: string; state: string; reason: string }[];
    };
    assert.deepEqual(
      services.services.map((v) => [v.host, v.name]),
      [
        [here, 'flaskapp'],
        ['web2', 'flaskapp'],
      ],
    );
    const web2 = services.services[1];
    assert.equal(web2?.state, 'down');
    assert.equal(web2?.reason, 'incident #1 open');
    assert.match((await get('/')).body, /<h2>flaskapp <span class="dim">on web2<\/span><\/h2>/);
    cluster.stop('fast');
    try {
      const down = await get('/api/incidents');
      assert.equal(down.status, 503);
      assert.match(
        (JSON.parse(down.body) as { error: { message: string } }).error.message,
        /^the shared store postgresql:\/\/medic:\*\*\*@127\.0\.0\.1:\d+\/medic does not answer: /,
      );
    } finally {
      cluster.start();
    }
  } finally {
    delete process.env['MEDIC_STORE_URL'];
    await served.stop();
  }
});

function medic(args: string[], env: Record<string, string> = { MEDIC_STORE_URL: cluster.url }) {
  const r = spawnSync(process.execPath, [MEDIC, '--no-color', ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  const all = `${r.stdout}${r.stderr}`;
  assert.ok(!all.includes(MEDIC_PASSWORD) && !all.includes(encodeURIComponent(MEDIC_PASSWORD)), all);
  return r;
}

test("medic incidents lists every host's incidents, newest first, with their host", () => {
  const r = medic(['incidents']);
  assert.equal(r.status, 1, `an incident is open on web2\n${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0] ?? '', /^host\s+id\s+state\s+service/);
  assert.deepEqual(
    lines.slice(1).map((l) => l.split(/\s+/).slice(0, 4)),
    [
      ['web2', '#2', 'resolved', 'worker'],
      ['web2', '#1', 'open', 'flaskapp'],
      [here, '#1', 'resolved', 'flaskapp'],
    ],
  );
  const json = JSON.parse(medic(['--format', 'json', 'incidents', '--host', 'web2']).stdout) as {
    incidents: { host: string; id: number; state: string }[];
  };
  assert.deepEqual(
    json.incidents.map((i) => [i.host, i.id, i.state]),
    [
      ['web2', 2, 'resolved'],
      ['web2', 1, 'open'],
    ],
  );
});

test('medic incidents show: HOST/ID, or an ID that two hosts have is a question', () => {
  const both = medic(['incidents', 'show', '1']);
  assert.equal(both.status, 2);
  assert.equal(
    both.stderr.trim(),
    `medic: incident #1 is on ${[here, 'web2'].sort().join(', ')}: say which, as ${[here, 'web2'].sort()[0]}/1 or --host ${[here, 'web2'].sort()[0]}`,
  );
  const shown = medic(['incidents', 'show', 'web2/1']);
  assert.equal(shown.status, 1, shown.stderr);
  assert.match(shown.stdout, /^incident #1 {2}flaskapp \(flaskapp\.service\) on web2 {2}open/);
  assert.match(shown.stdout, /crash {11}flaskapp: ImportError: cannot import name 'db'/);
  const only = medic(['incidents', 'show', '2']);
  assert.match(only.stdout, /^incident #2 {2}worker \(worker\.service\) on web2 {2}resolved/);
  assert.equal(only.status, 0);
});

test('the shared store down: one line naming it, password masked, and how to read the local store', () => {
  cluster.stop('fast');
  try {
    const r = medic(['incidents']);
    assert.equal(r.status, 2);
    assert.match(
      r.stderr.trim(),
      /^medic: cannot read the shared store postgresql:\/\/medic:\*\*\*@127\.0\.0\.1:\d+\/medic: connect ECONNREFUSED 127\.0\.0\.1:\d+ \(--store \/var\/lib\/medic\/medic\.db reads this host's own\)$/,
    );
  } finally {
    cluster.start();
  }
});

test('store: ${MEDIC_STORE_URL} without it in the environment says so', () => {
  const r = medic(['incidents'], { MEDIC_STORE_URL: '' });
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim(), "medic: store: ${MEDIC_STORE_URL} is not set in medic's environment");
});
