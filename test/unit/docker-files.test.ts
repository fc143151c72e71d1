// What medic reads of a container through the engine without running anything in it: its code (the archive
// of its working directory), its users, a mounted directory's owner and mode, its python3 link; and the
// engine's events read as watch's signals. The tars and events are the Engine API's real answers on the
// testbed's compose project (Docker 20.10): GET /containers/dockerapp_web_1/archive?path=... and
// `docker events --format '{{json .}}'` over a crash loop, a compose recreate and an OOM kill.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { projectOf } from '../../src/discover/project.ts';
import { archiveEntriesOf, type ContainerInspect } from '../../src/host/docker.ts';
import { containerFiles } from '../../src/host/container-files.ts';
import { localHost } from '../../src/host/host.ts';
import { canWrite, userOf } from '../../src/checks/docker/context.ts';
import { check as envRequired } from '../../src/checks/docker/env_required.ts';
import { check as volumesWritable } from '../../src/checks/docker/volumes_writable.ts';
import { check as pythonVersion } from '../../src/checks/docker/python_version.ts';
import { containerUnitState, type EngineEvent, EngineSignals } from '../../src/watch/engine-events.ts';
import type { JournalSignal } from '../../src/watch/journal.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/docker/${name}`, import.meta.url));
const archive = (name: string, fileBytes = 256 * 1024) =>
  archiveEntriesOf(fixture(`archive/${name}.tar`), fileBytes);
const text = async (name: string) => (await archive(name))[0]?.body?.toString('utf8') ?? '';

// The names of web's real env (docker inspect's Config.Env), values left out.
const WEB_ENV = [
  'SECRET_KEY',
  'POSTGRES_USER',
  'POSTGRES_PASSWORD',
  'POSTGRES_DB',
  'DATABASE_URL',
  'REDIS_URL',
  'CELERY_BROKER_URL',
  'PATH',
  'PYTHONUNBUFFERED',
];

test("the code in web's /app, read from its archive: the variables it needs without a default", async () => {
  const files = containerFiles(await archive('app'), '/app', localHost());
  assert.deepEqual((await files.readdir('/app'))?.sort(), ['app', 'logs', 'requirements.txt']);
  const project = await projectOf(files, '/app', {});
  const required = project.envReads.filter((r) => r.required).map((r) => r.name);
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'SECRET_KEY']) assert.ok(required.includes(name), name);
  assert.deepEqual(project.requirementFiles, ['requirements.txt']);

  const facts = { name: 'dockerapp_web_1', service: 'web', reads: project.envReads, workdir: '/app' };
  assert.equal(envRequired.judge({ ...facts, env: WEB_ENV }).status, 'pass');
  // near miss: the env file lost SECRET_KEY
  const v = envRequired.judge({ ...facts, env: WEB_ENV.filter((n) => n !== 'SECRET_KEY') });
  assert.equal(v.status, 'fail');
  assert.match(v.summary, /^SECRET_KEY is read by the code but not in dockerapp_web_1's env$/);
  assert.ok(
    v.evidence?.some((e) => /^SECRET_KEY: read at \/app\/app\/main\.py/.test(e)),
    String(v.evidence),
  );
  assert.deepEqual(v.fix?.at(-1), 'docker compose up -d web');
  // no code at all: nothing to judge
  assert.equal(envRequired.judge({ ...facts, reads: null, env: [] }).status, 'skip');
});

test("web's user from its own /etc/passwd and /etc/group, against the logs volume's owner and mode", async () => {
  const user = userOf('app', await text('etc-passwd'), await text('etc-group'));
  assert.ok(user && user.uid > 0, JSON.stringify(user));
  assert.equal(user.name, 'app');
  const [dir] = await archive('app-logs', 0);
  assert.equal(dir?.type, 'directory');
  assert.equal(dir?.name, 'logs');
  assert.equal(dir?.uid, user.uid, 'the image made /app/logs for app');
  assert.equal(canWrite(user, dir!), true);
  const mount = { destination: '/app/logs', source: 'volume dockerapp_logs', dir: dir! };
  const facts = { name: 'dockerapp_web_1', image: 'dockerapp:latest', service: 'web', user };
  assert.equal(volumesWritable.judge({ ...facts, mounts: [mount] }).status, 'pass');
  // near miss: the same volume created by root before the image made the directory
  const rootOwned = { ...mount, dir: { ...dir!, uid: 0, gid: 0 } };
  const v = volumesWritable.judge({ ...facts, mounts: [rootOwned] });
  assert.equal(v.status, 'fail');
  assert.match(v.summary, /runs as app \(uid \d+\), which cannot write \/app\/logs/);
  assert.ok(
    v.fix?.some(
      (f) => f.includes('-v dockerapp_logs:/v') && f.includes(`chown dockerapp:latest -R ${user.uid}:`),
    ),
  );
  // root writes anywhere; a group-writable directory of one of its groups is writable
  assert.equal(canWrite(userOf('', '', '')!, rootOwned.dir), true);
  assert.equal(canWrite({ ...user, gids: [0] }, { uid: 0, gid: 0, mode: 0o775 }), true);
  assert.equal(canWrite(user, { uid: 0, gid: 0, mode: 0o777 }), true);
  assert.equal(userOf('nobody-here', await text('etc-passwd'), ''), null);
  assert.deepEqual(userOf('1234:1234', '', '')?.uid, 1234);
});

test("the image's Python from its python3 link, against the project's requires-python", async () => {
  const [link] = await archive('usr-bin-python3', 0);
  assert.equal(link?.linkname, 'python3.11');
  const facts = { name: 'dockerapp_web_1', image: 'dockerapp:latest', service: 'web' };
  const python = { version: '3.11', from: '/usr/bin/python3 → python3.11' };
  assert.equal(pythonVersion.judge({ ...facts, python, want: null }).status, 'pass');
  assert.equal(
    pythonVersion.judge({ ...facts, python, want: { spec: '>=3.10', from: 'pyproject.toml' } }).status,
    'pass',
  );
  const v = pythonVersion.judge({ ...facts, python, want: { spec: '>=3.12', from: 'pyproject.toml' } });
  assert.equal(v.status, 'fail');
  assert.match(v.summary, /^Python 3\.11 in dockerapp:latest, the project asks for >=3\.12/);
  assert.equal(pythonVersion.judge({ ...facts, python: null, want: null }).status, 'skip');
});

const events = (): EngineEvent[] =>
  fixture('events.jsonl')
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as EngineEvent);

function signalsOf(list: EngineEvent[], name: string, from: number, to: number): JournalSignal[] {
  const engine = new EngineSignals();
  return list
    .filter((e) => e.time >= from && e.time <= to)
    .flatMap((e) => engine.signalsOf(e))
    .filter((s) => s.unit === name);
}

test("the engine's events as watch's signals: a crash loop under restart: unless-stopped", () => {
  const all = events();
  const first = Math.min(...all.map((e) => e.time));
  // the compose recreate that broke it: kill 15, die 0, stop, rename, create, start: a stop and a start, no crash
  const recreate = signalsOf(all, 'dockerapp_web_1', first + 6, first + 7);
  assert.deepEqual(
    recreate.map((s) => s.kind),
    ['stopping', 'started'],
  );
  // then: die 1, start, die 1, start ...: every die a crash, every start after one the policy's restart
  const loop = signalsOf(all, 'dockerapp_web_1', first + 6, first + 16);
  const exits = loop.filter((s) => s.kind === 'exit');
  assert.ok(exits.length >= 5, `${exits.length} exits`);
  assert.ok(exits.every((s) => s.kind === 'exit' && s.code === 'exited' && s.status === '1'));
  const restarts = loop.filter((s) => s.kind === 'restart_scheduled');
  assert.ok(restarts.length >= 4, `${restarts.length} restarts`);
  assert.deepEqual(
    restarts.map((s) => (s.kind === 'restart_scheduled' ? s.n : 0)),
    restarts.map((_, i) => i + 1),
  );
  // the health check's exec_die is not the container's die
  assert.ok(!loop.some((s) => s.text.includes('exec')));
});

test("the engine's events as watch's signals: an OOM kill, then the policy's restart", () => {
  const all = events();
  const oom = all.find((e) => e.Action === 'oom');
  assert.ok(oom, 'an oom event in the fixture');
  const kinds = signalsOf(all, 'dockerapp_web_1', oom.time - 5, oom.time + 1).map((s) =>
    s.kind === 'exit' ? `exit ${s.code} ${s.status}` : s.kind,
  );
  const from = kinds.indexOf('oom');
  assert.deepEqual(kinds.slice(from), ['oom', 'exit killed 9', 'restart_scheduled', 'started']);
});

test('medic restarting a container itself: its own kill, die and start are no crash and no stop', () => {
  const engine = new EngineSignals();
  const all = events();
  const first = Math.min(...all.map((e) => e.time));
  engine.expectRestart('dockerapp_web_1', (first + 6) * 1000);
  const seen = all
    .filter((e) => e.time >= first + 6 && e.time <= first + 7)
    .flatMap((e) => engine.signalsOf(e))
    .filter((s) => s.unit === 'dockerapp_web_1');
  assert.deepEqual(
    seen.map((s) => s.kind),
    ['started'],
  );
});

test("docker inspect as a unit's state: running, restarting by its policy, failed to start, stopped", () => {
  const web = (name: string) =>
    (JSON.parse(fixture(`${name}.inspect.json`).toString('utf8')) as ContainerInspect[]).find(
      (c) => c.Name === '/dockerapp_web_1',
    )!;
  assert.deepEqual(containerUnitState(web('healthy')), {
    active: 'active',
    sub: 'running',
    result: 'success',
  });
  const loop = structuredClone(web('crash_loop'));
  loop.State = { ...loop.State, Running: true, Restarting: true, ExitCode: 1 };
  assert.deepEqual(containerUnitState(loop), {
    active: 'activating',
    sub: 'auto-restart',
    result: 'exit-code',
  });
  assert.deepEqual(containerUnitState(web('port_allocated')), {
    active: 'failed',
    sub: 'failed',
    result: 'resources',
  });
  // compose stopped the old container (a stop asked for) and the engine could not start the new one
  assert.equal(containerUnitState(web('port_allocated'), true)?.active, 'failed');
  const stopped = structuredClone(web('healthy'));
  stopped.State = { ...stopped.State, Running: false, Status: 'exited', ExitCode: 143 };
  assert.equal(containerUnitState(stopped)?.active, 'failed');
  assert.equal(containerUnitState(stopped, true)?.active, 'inactive');
  assert.equal(containerUnitState(null), null);
});

test("medic.yaml's containers are watched as containers: the plan, the unit file's docker group, no sudoers for them", async () => {
  const { parseConfig } = await import('../../src/config/medic-yaml.ts');
  const { watchPlan } = await import('../../src/watch/plan.ts');
  const { sudoersFile, watchUnitFile } = await import('../../src/watch/unit-file.ts');
  const config = parseConfig(`version: 1
services:
  flaskapp:
    unit: flaskapp.service
containers:
  web:
    container: dockerapp_web_1
    health:
      url: http://dockerapp.medic.test/health
      status: 200
      connect: 127.0.0.1:80
`);
  const plan = watchPlan(config, '/etc/medic/medic.yaml');
  const web = plan.services.find((s) => s.name === 'web');
  assert.equal(web?.unit, 'dockerapp_web_1');
  assert.equal(web?.container, true);
  assert.equal(web?.health?.url, 'http://dockerapp.medic.test/health');
  assert.equal(plan.services.find((s) => s.name === 'flaskapp')?.container, undefined);
  const sudoers = sudoersFile(plan.services, '/usr/bin/systemctl');
  assert.match(sudoers, /restart flaskapp\.service/);
  assert.doesNotMatch(sudoers, /dockerapp/);
  const unit = watchUnitFile({
    medic: ['/usr/local/bin/medic'],
    config: '/etc/medic/medic.yaml',
    services: plan.services,
    appGroups: [],
  });
  assert.match(unit, /^SupplementaryGroups=systemd-journal adm docker$/m);
  // the dashboard from the daemon, as --http asked, with its token file
  const served = watchUnitFile({
    medic: ['/usr/local/bin/medic'],
    config: '/etc/medic/medic.yaml',
    services: plan.services,
    appGroups: [],
    http: '0.0.0.0:9180',
    tokenFile: '/etc/medic/token',
  });
  assert.match(served, /^ExecStart=.* --http 0\.0\.0\.0:9180 --token-file \/etc\/medic\/token$/m);
});
