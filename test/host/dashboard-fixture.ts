// A store as medic watch, medic check and medic deploy leave it after a bad night, written through the
// store's own API; and the medic.yaml that names its services. For the dashboard's tests, its screenshots
// and its bench.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Store } from '../../src/store/store.ts';

/** A secret that must never reach a page: the store masks on write, the dashboard again on read. */
export const SECRET = 's3cr3t-Pa55word';

export interface Fixture {
  dir: string;
  store: string;
  config: string;
  /** The incident of flaskapp that is open. */
  openIncident: number;
  resolvedIncident: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

export const REDIS_DIAGNOSIS = {
  status: 'failing',
  headline: 'flaskapp.service is failing: redis_unreachable (first failing layer: cache)',
  firstFailingLayer: 'cache',
  cause: {
    id: 'redis_unreachable',
    title: 'The app (or its worker) cannot reach Redis',
    layer: 'cache',
    confidence: 'high',
    evidence: [
      'journal flaskapp.service: redis.exceptions.ConnectionError: Error 111 connecting to 127.0.0.1:6379. Connection refused.',
      `REDIS_URL=redis://:${SECRET}@127.0.0.1:6379/0`,
    ],
    fix: [
      'systemctl status redis-server',
      'systemctl start redis-server',
      '# then medic restarts flaskapp.service, or: systemctl restart flaskapp.service',
    ],
  },
  alternatives: [],
  firstFatal: {
    time: null,
    source: 'gunicorn',
    line: 'redis.exceptions.ConnectionError: Error 111 connecting to 127.0.0.1:6379. Connection refused.',
    at: 'journal flaskapp.service',
    context: [],
  },
  layers: [
    { name: 'proxy', status: 'ok', summary: 'nginx -t: syntax is ok' },
    { name: 'process', status: 'fail', summary: 'flaskapp.service keeps exiting (status 3/NOTIMPLEMENTED)' },
    { name: 'cache', status: 'fail', summary: 'REDIS_URL: connection refused' },
  ],
  timeline: [],
  changes: [],
  routes: [],
  target: { unit: 'flaskapp.service' },
  mode: 'live',
  inputs: [],
};

/** medic check's report of flaskapp: one failure with its evidence and fix, the rest passing. */
export function checkReport(service: string, fail: boolean) {
  const results = [
    {
      id: 'nginx.config_valid',
      layer: 'proxy',
      title: 'nginx -t passes',
      status: 'pass',
      summary: 'nginx -t: syntax is ok, test is successful',
      evidence: [],
      fix: [],
      ms: 40,
    },
    {
      id: 'cache.redis_reachable',
      layer: 'cache',
      title: 'Redis answers PING',
      status: fail ? 'fail' : 'pass',
      summary: fail ? 'REDIS_URL: connection refused at 127.0.0.1:6379' : 'REDIS_URL answers PING (2 ms)',
      evidence: fail ? [`REDIS_URL=redis://:${SECRET}@127.0.0.1:6379/0`] : [],
      fix: fail ? ['systemctl start redis-server'] : [],
      ms: 12,
    },
    {
      id: 'host.disk_free',
      layer: 'host',
      title: 'disk has room',
      status: 'warn',
      summary: '/var at 91%',
      evidence: ['/var 91% used'],
      fix: ['journalctl --vacuum-size=200M'],
      ms: 3,
    },
  ];
  const count = (s: string) => results.filter((r) => r.status === s).length;
  return {
    target: {
      service,
      unit: `${service}.service`,
      container: null,
      project: null,
      server: 'gunicorn',
      app: 'wsgi:app',
      binds: ['unix:/run/flaskapp/gunicorn.sock'],
      user: 'www-data',
      workdir: `/srv/${service}`,
      venv: null,
      site: null,
      serverName: null,
      health: null,
      config: null,
    },
    results,
    summary: { pass: count('pass'), warn: count('warn'), fail: count('fail'), skip: 0 },
    ms: 1400,
  };
}

/** flaskapp's crash at `at`, as medic watch opens it: the incident and its first timeline line. */
function crash(store: Store, at: number) {
  const incident = store.openIncident({
    service: 'flaskapp',
    unit: 'flaskapp.service',
    trigger: 'crash',
    summary: 'flaskapp.service crashed: its main process exited with status 3',
    startedAt: iso(at),
    detectedAt: iso(at + 215),
  });
  store.addEvent(
    incident.id,
    iso(at),
    'crash',
    'flaskapp.service: Main process exited, code=exited, status=3/NOTIMPLEMENTED',
  );
  return incident;
}

/** The store and medic.yaml of three services: flaskapp down (an open incident), fastapi up, djangoapp up. */
export function makeFixture(now = Date.now()): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'medic-dashboard-'));
  const storePath = join(dir, 'medic.db');
  const config = join(dir, 'medic.yaml');
  writeFileSync(
    config,
    [
      'version: 1',
      'services:',
      '  flaskapp:',
      '    unit: flaskapp.service',
      '    health: { url: "http://flask.medic.test/health" }',
      '  fastapi:',
      '    unit: fastapi.service',
      '    health: { url: "https://fastapi.medic.test/health" }',
      '  djangoapp:',
      '    unit: djangoapp.service',
      'watch:',
      `  store: ${storePath}`,
      '',
    ].join('\n'),
  );
  const store = Store.open(storePath, { create: true });
  const keep = iso(now - 3 * 86_400_000);
  // a day of health: fastapi steady, flaskapp steady until it failed 6 minutes ago
  for (let t = now - 86_400_000 + 30_000; t <= now; t += 60_000) {
    const wave = Math.round(20 + 15 * Math.sin(t / 3_600_000));
    store.recordHealth('fastapi', { at: iso(t), ok: true, ms: wave, status: 200, problem: null }, keep);
    const failing = t > now - 6 * 60_000;
    store.recordHealth(
      'flaskapp',
      failing
        ? { at: iso(t), ok: false, ms: 3, status: 502, problem: 'HTTP 502' }
        : { at: iso(t), ok: true, ms: wave + 10, status: 200, problem: null },
      keep,
    );
  }
  // yesterday's incident, resolved after a rollback
  const old = crash(store, now - 20 * 3_600_000);
  store.update(old.id, {
    state: 'resolved',
    recoveredAt: iso(now - 20 * 3_600_000 + 95_000),
    resolvedAt: iso(now - 20 * 3_600_000 + 155_000),
    restarts: 4,
    causeId: 'missing_dependency',
    causeTitle: 'A package the app imports is not installed in its virtualenv',
    firstFatal: "ModuleNotFoundError: No module named 'markdown'",
  });
  store.addEvent(old.id, iso(now - 20 * 3_600_000 + 155_000), 'resolved', 'health held for 60 s: resolved');
  store.recordDeploy({
    service: 'flaskapp',
    kind: 'deploy',
    release: '20261121T201500Z',
    previous: '20261120T101500Z',
    source: '/home/deploy/build',
    startedAt: iso(now - 20 * 3_600_000 - 120_000),
    finishedAt: iso(now - 20 * 3_600_000 - 60_000),
    outcome: 'live',
    step: null,
    message: null,
  });
  store.recordDeploy({
    service: 'flaskapp',
    kind: 'rollback',
    release: '20261120T101500Z',
    previous: '20261121T201500Z',
    source: '20261120T101500Z',
    startedAt: iso(now - 20 * 3_600_000 + 60_000),
    finishedAt: iso(now - 20 * 3_600_000 + 90_000),
    outcome: 'live',
    step: null,
    message: null,
  });
  store.recordDeploy({
    service: 'fastapi',
    kind: 'deploy',
    release: '20261122T041237Z',
    previous: '20261122T041226Z',
    source: '/tmp/tags',
    startedAt: iso(now - 5 * 3_600_000),
    finishedAt: iso(now - 5 * 3_600_000 + 40_000),
    outcome: 'rolled_back',
    step: 'watch',
    message: 'health failed during the watch window: HTTP 500',
  });
  // now: Redis went away, flaskapp crashes in a loop
  const open = crash(store, now - 6 * 60_000);
  store.addEvent(
    open.id,
    iso(now - 6 * 60_000 + 1600),
    'systemd_restart',
    'systemd restarts flaskapp.service (its restart counter: 1)',
  );
  store.update(open.id, {
    restarts: 1,
    diagnosis: REDIS_DIAGNOSIS,
    causeId: 'redis_unreachable',
    causeTitle: 'The app (or its worker) cannot reach Redis',
    firstFatal: REDIS_DIAGNOSIS.firstFatal.line,
    openAlerted: true,
  });
  store.addEvent(
    open.id,
    iso(now - 6 * 60_000 + 900),
    'diagnosis',
    'diagnosis: redis_unreachable: The app (or its worker) cannot reach Redis',
  );
  // flaskapp checked 3 minutes ago (Redis fails), fastapi 2 hours ago (all well)
  for (const [service, ago, fail] of [
    ['flaskapp', 3 * 60_000, true],
    ['fastapi', 2 * 3_600_000, false],
  ] as const) {
    const report = checkReport(service, fail);
    store.recordCheckRun({
      service,
      at: iso(now - ago),
      command: `medic check ${service}`,
      summary: report.summary,
      report,
    });
  }
  store.close();
  return { dir, store: storePath, config, openIncident: open.id, resolvedIncident: old.id };
}

/** Debian's Chromium (scripts/test.sh installs it); playwright-core drives it, never a browser of its own. */
export const CHROMIUM = '/usr/bin/chromium';
/**
 * Debian's Chromium on a server: no background networking, component updates or sync, whose connections a
 * closed network refuses (and whose look-ups of Google's hosts each start waits for).
 */
export const CHROMIUM_ARGS = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export const MEDIC = new URL('../../bin/medic.js', import.meta.url).pathname;

export interface Served {
  url: string;
  /** What medic serve printed on stdout and stderr. */
  output: () => string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts `medic serve ARGS` for real and waits for the line that says where it listens. */
export async function startServe(args: string[], cwd: string): Promise<Served> {
  const child = spawn(process.execPath, [MEDIC, 'serve', ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const m = /medic serve: (http:\/\/\S+\/)/.exec(out);
    if (m?.[1])
      return {
        url: m[1],
        output: () => out,
        pid: child.pid ?? 0,
        async stop() {
          child.kill('SIGTERM');
          await exited;
        },
      };
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`medic serve did not start: ${out}`);
    }
    await sleep(50);
  }
}
