// medic watch's decisions, one case per test: step(state, observation, now) on a fake clock. The journal
// signals are the testbed's own (test/fixtures/journal), the unit states the values systemd reports.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WATCH_DEFAULTS, type WatchConfig } from '../../src/config/medic-yaml.ts';
import { type JournalFields, type JournalSignal, signalOf } from '../../src/watch/journal.ts';
import {
  type Action,
  HOLD_MS,
  initialState,
  type Observation,
  type StoredIncident,
  step,
  type WatchState,
} from '../../src/watch/machine.ts';
import type { UnitState } from '../../src/host/systemctl.ts';
import type { WatchedService } from '../../src/watch/service.ts';

const fixtures = fileURLToPath(new URL('../fixtures/journal/', import.meta.url));

/** The journal's signals about `unit` in a fixture, in order. */
function signalsOf(file: string, unit: string): JournalSignal[] {
  return readFileSync(join(fixtures, file), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => signalOf(JSON.parse(l) as JournalFields, [unit]))
    .filter((s): s is JournalSignal => s !== null && 'kind' in s);
}

const flask = signalsOf('flaskapp-sigkill.jsonl', 'flaskapp.service');
const fastapi = signalsOf('fastapi-oom.jsonl', 'fastapi.service');
const first = <K extends JournalSignal['kind']>(list: JournalSignal[], kind: K) =>
  list.find((s) => s.kind === kind) as Extract<JournalSignal, { kind: K }>;
/** systemctl kill -s KILL --kill-whom=main flaskapp, as the journal told it. */
const EXIT = first(flask, 'exit');
const FAILED_SIGNAL = first(flask, 'failed');
const RESTART_SCHEDULED = first(flask, 'restart_scheduled');
const STARTED = flask.filter((s) => s.kind === 'started')[1]!;
/** systemctl stop fastapi, and its start again. */
const STOPPING = first(fastapi, 'stopping');
const FASTAPI_STARTED = fastapi.find((s) => s.kind === 'started' && s.time > STOPPING.time)!;

/** 200 ms after the SIGKILL: when medic noticed it. */
const T0 = Date.parse(EXIT.time) + 200;
const iso = (ms: number) => new Date(T0 + ms).toISOString();
/** The same signal, seen `ms` after T0. */
const later = <S extends JournalSignal>(s: S, ms: number): S => ({ ...s, time: iso(ms) });

// What `systemctl show -p ActiveState,SubState,Result` says in each case.
const RUNNING: UnitState = { active: 'active', sub: 'running', result: 'success' };
const AUTO_RESTART: UnitState = { active: 'activating', sub: 'auto-restart', result: 'signal' };
const FAILED: UnitState = { active: 'failed', sub: 'failed', result: 'start-limit-hit' };
const STOPPED: UnitState = { active: 'inactive', sub: 'dead', result: 'success' };

const HEALTH = { url: 'http://127.0.0.1/health', status: 200 };
const FLASK: WatchedService = { name: 'flaskapp', unit: 'flaskapp.service', workers: [], health: HEALTH };
const FASTAPI: WatchedService = { name: 'fastapi', unit: 'fastapi.service', workers: [], health: HEALTH };

/** The watch: section of the testbed's integration test. */
const CONFIG: WatchConfig = {
  ...WATCH_DEFAULTS,
  interval: 1000,
  timeout: 2000,
  failures: 2,
  resolveAfter: 4000,
  restart: { enabled: true, backoff: 1000, maxBackoff: 2000, limit: 5, window: 300_000 },
};

const DIAGNOSIS = {
  cause: {
    id: 'killed_by_signal',
    title: 'Something on this server killed the app (SIGKILL), not the OOM killer',
  },
  firstFatal: { line: EXIT.text },
};

/** One watched service on a fake clock. */
class Watch {
  state: WatchState;
  now = T0;
  constructor(service = FLASK, config: Partial<WatchConfig> = {}) {
    this.state = initialState(service, { ...CONFIG, ...config });
  }
  /** The clock at T0 + ms. */
  at(ms: number): this {
    this.now = T0 + ms;
    return this;
  }
  feed(o: Observation): Action[] {
    const r = step(this.state, o, this.now);
    this.state = r.state;
    return r.actions;
  }
  signal(s: JournalSignal): Action[] {
    return this.feed({ kind: 'signal', signal: s });
  }
  units(...states: (UnitState | null)[]): Action[] {
    return this.feed({ kind: 'units', states });
  }
  healthy(): Action[] {
    return this.feed({
      kind: 'health',
      result: { ok: true, at: new Date(this.now).toISOString(), ms: 12, status: 200 },
    });
  }
  unhealthy(problem = 'HTTP 503'): Action[] {
    return this.feed({
      kind: 'health',
      result: { ok: false, at: new Date(this.now).toISOString(), ms: 8, status: 503, problem },
    });
  }
  diagnosed(ref = 1): Action[] {
    return this.feed({ kind: 'diagnosed', ref, diagnosis: DIAGNOSIS });
  }
  get phase(): string {
    return this.state.phase.name;
  }
}

const kinds = (actions: Action[]) => actions.map((a) => a.kind);
function only<K extends Action['kind']>(actions: Action[], kind: K): Extract<Action, { kind: K }> {
  const found = actions.filter((a) => a.kind === kind);
  assert.equal(found.length, 1, `one ${kind} in ${JSON.stringify(kinds(actions))}`);
  return found[0] as Extract<Action, { kind: K }>;
}
const texts = (actions: Action[]) =>
  actions.flatMap((a) => (a.kind === 'timeline' || a.kind === 'count_restart' ? [a.text] : []));
const alerts = (actions: Action[]) => actions.flatMap((a) => (a.kind === 'alert' ? [a.alert] : []));

/** A crash seen, diagnosed and alerted, systemd's restart done: the incident is open and down. */
function crashed(w = new Watch()): Watch {
  w.at(0).signal(EXIT);
  w.signal(FAILED_SIGNAL);
  w.at(1000).diagnosed();
  w.at(2200).signal(later(RESTART_SCHEDULED, 2200));
  w.signal(later(STARTED, 2200));
  return w;
}

/** Health failing while the process runs: an unhealthy incident, the restart medic makes for it. */
function restartingForHealth(w = new Watch()): Watch {
  w.at(0).unhealthy();
  w.unhealthy();
  w.diagnosed();
  w.units(RUNNING);
  assert.equal(w.phase, 'restarting');
  return w;
}

test('a crash opens one incident, asks for its diagnosis and looks at systemd at once', () => {
  const w = new Watch();
  const actions = w.at(0).signal(EXIT);
  assert.deepEqual(kinds(actions), [
    'open_incident',
    'log',
    'metric',
    'diagnose',
    'read_units',
    'probe_health',
  ]);
  const opened = only(actions, 'open_incident');
  assert.equal(opened.trigger, 'crash');
  assert.equal(opened.summary, 'flaskapp.service crashed: its main process was killed by SIGKILL');
  assert.equal(opened.startedAt, EXIT.time);
  assert.equal(opened.line, EXIT.text);
  assert.equal(only(actions, 'log').fields['detect_ms'], 200);
  assert.deepEqual(only(actions, 'metric').change, { up: false, detectMs: 200 });
  assert.equal(only(actions, 'read_units').inMs, 0);
  assert.equal(only(actions, 'probe_health').inMs, 1000, 'health every 2 s at most while it is open');
  assert.equal(w.phase, 'down');
  const more = w.signal(FAILED_SIGNAL);
  assert.deepEqual(kinds(more), ['timeline', 'read_units'], 'the same incident, one more line');
  assert.deepEqual(texts(more), ["flaskapp.service: Failed with result 'signal'."]);
});

test("systemd's own restart is counted on the incident, and medic does not fight it", () => {
  const w = crashed();
  const counted = w.state.phase.name === 'down' ? w.state.phase.incident : null;
  assert.equal(counted?.restarts, 1);
  assert.equal(counted?.medicRestarts, 0);
  assert.deepEqual(w.at(2300).units(AUTO_RESTART), [{ kind: 'read_units', inMs: 1000 }]);
  assert.equal(w.phase, 'down');
});

test('up and healthy for resolveAfter: resolved, and the resolve alert follows the opened one', () => {
  const w = crashed();
  assert.deepEqual(alerts(w.at(1000).diagnosed()), [], 'one diagnosis per incident');
  w.at(2600).healthy();
  w.at(2700).units(RUNNING);
  assert.equal(w.phase, 'recovering');
  w.at(5000).units(RUNNING);
  assert.equal(w.phase, 'recovering', 'not yet: 2.3 s of 4');
  const actions = w.at(6700).units(RUNNING);
  const resolved = only(actions, 'resolve');
  assert.equal(resolved.recoveredAt, iso(2700));
  assert.equal(resolved.resolvedAt, iso(6700));
  assert.equal(resolved.text, 'resolved: up and healthy for 4 s');
  assert.deepEqual(alerts(actions), ['resolved']);
  assert.deepEqual(only(actions, 'metric').change, { up: true, recoverMs: 2900 });
  assert.deepEqual(only(actions, 'log').fields, { detect_ms: 200, recover_ms: 2900, restarts: 1 });
  assert.equal(only(actions, 'probe_health').inMs, CONFIG.interval);
  assert.ok(!kinds(actions).includes('read_units'), 'no more ticks once resolved');
  assert.equal(w.phase, 'up');
});

test('flapping within the resolve window keeps the incident open, and the window starts again', () => {
  const w = crashed();
  w.at(2600).healthy();
  w.at(2700).units(RUNNING);
  const again = w.at(4000).signal(later(EXIT, 4000));
  assert.deepEqual(kinds(again), ['timeline', 'read_units'], 'no second incident');
  assert.equal(w.phase, 'down');
  w.at(4100).healthy();
  w.at(4200).units(RUNNING);
  assert.ok(!kinds(w.at(6700).units(RUNNING)).includes('resolve'), '4 s after the first recovery');
  const resolved = only(w.at(8200).units(RUNNING), 'resolve');
  assert.equal(resolved.recoveredAt, iso(4200));
});

test('one failed health request is only a suspicion; `failures` in a row open an incident', () => {
  const w = new Watch(FLASK, { interval: 10_000 });
  const once = w.at(0).unhealthy('refused');
  assert.equal(w.phase, 'suspect');
  assert.deepEqual(only(once, 'log').fields, {
    url: HEALTH.url,
    problem: 'refused',
    in_a_row: 1,
  });
  assert.equal(only(once, 'probe_health').inMs, 10_000);
  const twice = w.at(10_000).unhealthy('refused');
  const opened = only(twice, 'open_incident');
  assert.equal(opened.trigger, 'unhealthy');
  assert.equal(opened.summary, 'health failing: 2 requests in a row (refused)');
  assert.equal(opened.line, 'http://127.0.0.1/health: refused (2 in a row)');
  assert.deepEqual(twice.at(-1), { kind: 'probe_health', inMs: 2000 }, 'every 2 s while it is open');
  assert.equal(w.phase, 'down');
});

test('a good answer between two bad ones: the count starts again', () => {
  const w = new Watch();
  w.at(0).unhealthy();
  w.at(1000).healthy();
  assert.equal(w.phase, 'up');
  assert.ok(!kinds(w.at(2000).unhealthy()).includes('open_incident'));
  assert.equal(w.phase, 'suspect');
});

test('health failing while the process runs: medic restarts it once it knows why, with the back-off in the timeline', () => {
  const w = new Watch();
  w.at(0).unhealthy();
  w.unhealthy();
  assert.deepEqual(kinds(w.units(RUNNING)), ['read_units'], 'no restart before the diagnosis is in');
  w.diagnosed();
  const actions = w.units(RUNNING);
  assert.deepEqual(kinds(actions), ['count_restart', 'metric', 'log', 'restart']);
  assert.deepEqual(texts(actions), [
    "medic restarts flaskapp.service: health still failing (HTTP 503) (medic's restart 1; the next no sooner than 1 s later)",
  ]);
  assert.deepEqual(only(actions, 'restart'), { kind: 'restart', unit: 'flaskapp.service' });
  assert.equal(w.phase, 'restarting');
});

test('health failing because PostgreSQL is down: no restart of the app, noted once; resolved when it heals', () => {
  const w = new Watch();
  w.at(0).unhealthy();
  w.unhealthy();
  w.feed({
    kind: 'diagnosed',
    ref: 1,
    diagnosis: {
      cause: { id: 'db_unreachable', title: 'The app cannot reach PostgreSQL', layer: 'database' },
      firstFatal: null,
    },
  });
  const first = w.at(1000).units(RUNNING);
  assert.ok(!kinds(first).includes('restart'), JSON.stringify(kinds(first)));
  assert.deepEqual(texts(first), [
    'health still failing (HTTP 503): the diagnosis puts the cause in the database layer (db_unreachable): restarting flaskapp.service cannot fix it, medic does not restart it',
  ]);
  w.at(5000).unhealthy();
  assert.deepEqual(texts(w.at(9000).units(RUNNING)), [], 'the note is written once');
  assert.equal(w.phase, 'down');
  w.at(10_000).healthy();
  w.units(RUNNING);
  const done = w.at(14_500).units(RUNNING);
  assert.ok(kinds(done).includes('resolve'), JSON.stringify(kinds(done)));
});

test('a crashed worker unit is still restarted when the cause is the workers: that restart is the fix', () => {
  const w = new Watch({ ...FLASK, workers: ['celery.service'] });
  w.at(0).signal({ ...EXIT, unit: 'celery.service' });
  w.feed({
    kind: 'diagnosed',
    ref: 1,
    diagnosis: {
      cause: { id: 'worker_down', title: 'The task worker is down', layer: 'workers' },
      firstFatal: null,
    },
  });
  const actions = w.at(1000).units(RUNNING, FAILED);
  assert.deepEqual(only(actions, 'restart'), { kind: 'restart', unit: 'celery.service' });
});

/** A diagnosis that found only the symptom: the health check fails. */
const SYMPTOM_ONLY = {
  cause: { id: 'health_check_failing', title: 'The health check fails', layer: 'app' },
  firstFatal: null,
};

test('a first diagnosis that finds only a symptom: the opened alert waits for a second look at the next sign of failure', () => {
  const w = new Watch();
  w.at(0).unhealthy();
  w.unhealthy();
  // the new process is still starting: its traceback is not in the journal yet
  const first = w.feed({
    kind: 'diagnosed',
    ref: 1,
    diagnosis: SYMPTOM_ONLY,
  });
  assert.deepEqual(alerts(first), [], 'no opened alert on a symptom');
  assert.deepEqual(only(first, 'diagnose'), { kind: 'diagnose', ref: 1, since: null, inMs: HOLD_MS });
  const crashed = w.at(3000).signal(later(FAILED_SIGNAL, 3000));
  assert.deepEqual(only(crashed, 'diagnose'), { kind: 'diagnose', ref: 1, since: null }, 'asked now');
  const second = w.feed({
    kind: 'diagnosed',
    ref: 1,
    diagnosis: {
      cause: { id: 'wrong_entrypoint', title: 'Gunicorn cannot find the app', layer: 'app' },
      firstFatal: { line: "ModuleNotFoundError: No module named 'app'" },
    },
  });
  assert.deepEqual(alerts(second), ['opened'], 'one opened alert, with the cause');
  assert.equal(only(second, 'attach_diagnosis').causeId, 'wrong_entrypoint');
  assert.ok(
    !kinds(w.at(6000).signal(later(FAILED_SIGNAL, 6000))).includes('diagnose'),
    'known: not asked again',
  );
});

test('a held diagnosis with no sign of failure after it: the second look comes after HOLD_MS, and alerts what it finds', () => {
  const w = new Watch();
  w.at(0).unhealthy();
  w.unhealthy();
  const first = w.feed({ kind: 'diagnosed', ref: 1, diagnosis: { cause: null, headline: 'no cause found' } });
  assert.deepEqual(alerts(first), []);
  assert.equal(only(first, 'diagnose').inMs, HOLD_MS);
  const second = w.feed({
    kind: 'diagnosed',
    ref: 1,
    diagnosis: SYMPTOM_ONLY,
  });
  assert.deepEqual(alerts(second), ['opened'], 'held once only');
  assert.equal(only(second, 'attach_diagnosis').causeId, 'health_check_failing');
});

test('a first diagnosis with no cause, even after its second look: asked once more at the next sign of failure; no second opened alert', () => {
  const w = new Watch();
  w.at(0).unhealthy();
  w.unhealthy();
  w.feed({ kind: 'diagnosed', ref: 1, diagnosis: { cause: null, headline: 'no cause found' } });
  const first = w.feed({ kind: 'diagnosed', ref: 1, diagnosis: { cause: null, headline: 'no cause found' } });
  assert.deepEqual(alerts(first), ['opened']);
  const failedAgain = w.at(3000).signal(later(FAILED_SIGNAL, 3000));
  assert.deepEqual(only(failedAgain, 'diagnose'), { kind: 'diagnose', ref: 1, since: null });
  const second = w.feed({
    kind: 'diagnosed',
    ref: 1,
    diagnosis: SYMPTOM_ONLY,
  });
  assert.deepEqual(alerts(second), [], 'the opened alert is not sent again');
  assert.equal(only(second, 'attach_diagnosis').causeId, 'health_check_failing');
  assert.ok(!kinds(w.at(6000).signal(later(FAILED_SIGNAL, 6000))).includes('diagnose'), 'once only');
});

test('a unit systemd restarted less than 15 s ago is in its hands: failed health is no reason yet', () => {
  const w = crashed(); // systemd's restart at 2.2 s
  w.at(3000).unhealthy();
  w.unhealthy();
  assert.ok(!kinds(w.units(RUNNING)).includes('restart'));
  assert.ok(!kinds(w.at(17_100).units(RUNNING)).includes('restart'), '14.9 s after the restart');
  assert.ok(kinds(w.at(17_300).units(RUNNING)).includes('restart'), '15.1 s after it');
});

test('readings while medic’s restart runs are not acted on', () => {
  const w = restartingForHealth();
  assert.deepEqual(w.at(500).units(FAILED), []);
  assert.equal(w.phase, 'restarting');
});

test('after medic’s restart, health that answers verifies it', () => {
  const w = restartingForHealth();
  const done = w.at(300).feed({ kind: 'restarted', unit: 'flaskapp.service', ok: true });
  assert.deepEqual(done, [
    { kind: 'probe_health', inMs: 500 },
    { kind: 'read_units', inMs: 1000 },
  ]);
  assert.equal(w.phase, 'verifying');
  const ok = w.at(800).healthy();
  assert.deepEqual(texts(ok), ["health verified after medic's restart 1: HTTP 200 in 12 ms"]);
  w.at(900).units(RUNNING);
  assert.equal(w.phase, 'recovering');
});

test('health that does not come back after a restart: noted, then the next restart', () => {
  const w = restartingForHealth();
  w.at(300).feed({ kind: 'restarted', unit: 'flaskapp.service', ok: true });
  w.at(1000).unhealthy();
  w.at(2000).unhealthy();
  assert.ok(!kinds(w.at(2100).units(RUNNING)).includes('restart'), 'the restart still has its chance');
  const next = w.at(4400).units(RUNNING);
  assert.deepEqual(texts(next), [
    "health did not come back within 4 s of medic's restart 1",
    "medic restarts flaskapp.service: health still failing (HTTP 503) (medic's restart 2; the next no sooner than 2 s later)",
  ]);
  assert.equal(w.phase, 'restarting');
});

test('back-off: after a failed restart the next waits 1 s, then 2 s, and never more than maxBackoff', () => {
  const w = crashed();
  const failedRestart = () =>
    w.feed({
      kind: 'restarted',
      unit: 'flaskapp.service',
      ok: false,
      error: 'Job for flaskapp.service failed.',
    });
  assert.ok(kinds(w.at(3000).units(FAILED)).includes('restart'));
  assert.deepEqual(texts(failedRestart()), [
    'medic could not restart flaskapp.service: Job for flaskapp.service failed.',
  ]);
  assert.equal(w.phase, 'down');
  assert.ok(!kinds(w.at(3900).units(FAILED)).includes('restart'), '0.9 s later');
  assert.ok(kinds(w.at(4000).units(FAILED)).includes('restart'), '1 s later');
  failedRestart();
  assert.ok(!kinds(w.at(5900).units(FAILED)).includes('restart'), '1.9 s later');
  const third = w.at(6000).units(FAILED);
  assert.deepEqual(texts(third), [
    "medic restarts flaskapp.service: flaskapp.service is failed (result: start-limit-hit) (medic's restart 3; the next no sooner than 2 s later)",
  ]);
});

test('restart limit reached: medic gives up, alerts, and restarts no more', () => {
  const w = crashed();
  for (const ms of [4200, 6200, 8200, 10_200]) w.at(ms).signal(later(RESTART_SCHEDULED, ms));
  const actions = w.at(10_300).units(AUTO_RESTART);
  assert.deepEqual(
    only(actions, 'give_up').text,
    "medic stops restarting flaskapp.service: 5 restarts within 300 s and it is still not well. A human is needed (systemd's own Restart= goes on as configured).",
  );
  assert.deepEqual(alerts(actions), ['gave_up']);
  assert.equal(w.phase, 'gave_up');
  const after = w.at(20_000).units(FAILED);
  assert.deepEqual(after, [{ kind: 'read_units', inMs: 1000 }], 'no restart, no second give-up');
});

test('given up: it still resolves once it heals', () => {
  const w = crashed();
  for (const ms of [4200, 6200, 8200, 10_200]) w.at(ms).signal(later(RESTART_SCHEDULED, ms));
  w.at(10_300).units(AUTO_RESTART);
  w.at(11_000).healthy();
  w.at(11_100).units(RUNNING);
  assert.equal(w.phase, 'gave_up');
  assert.deepEqual(alerts(w.at(15_100).units(RUNNING)), ['resolved']);
  assert.equal(w.phase, 'up');
});

test('given up before the diagnosis is in: the give-up alert follows the opened one', () => {
  const w = new Watch();
  w.at(0).signal(EXIT);
  for (const ms of [100, 2100, 4100, 6100, 8100]) w.at(ms).signal(later(RESTART_SCHEDULED, ms));
  const gaveUp = w.at(8200).units(AUTO_RESTART);
  assert.ok(kinds(gaveUp).includes('give_up'));
  assert.deepEqual(alerts(gaveUp), [], 'the opened alert is not out yet');
  assert.deepEqual(alerts(w.at(9000).diagnosed()), ['opened', 'gave_up']);
});

test('restarts older than the window do not count toward the limit', () => {
  const w = new Watch(FLASK, { restart: { ...CONFIG.restart, window: 60_000 } });
  w.at(0).signal(EXIT);
  for (const ms of [100, 2100, 4100, 6100]) w.at(ms).signal(later(RESTART_SCHEDULED, ms));
  w.at(70_000).signal(later(RESTART_SCHEDULED, 70_000));
  assert.ok(!kinds(w.at(70_100).units(AUTO_RESTART)).includes('give_up'), 'one restart in the last minute');
});

test('resolved while its diagnosis ran: the opened alert goes first, the resolved one after it', () => {
  const w = new Watch();
  w.at(0).signal(EXIT);
  w.at(500).healthy();
  w.at(600).units(RUNNING);
  const resolved = w.at(4600).units(RUNNING);
  assert.ok(kinds(resolved).includes('resolve'));
  assert.deepEqual(alerts(resolved), []);
  const diagnosed = w.at(5000).diagnosed();
  assert.equal(only(diagnosed, 'attach_diagnosis').causeId, 'killed_by_signal');
  assert.deepEqual(only(diagnosed, 'metric').change, { cause: 'killed_by_signal' });
  assert.deepEqual(alerts(diagnosed), ['opened', 'resolved']);
  assert.deepEqual(w.at(5100).diagnosed(), [], 'once');
});

test('a unit stopped on purpose is not restarted, and that is noted once', () => {
  const w = new Watch(FASTAPI);
  const stop = Date.parse(STOPPING.time) - T0;
  w.at(stop).signal(STOPPING);
  // a stop may be the first half of a restart: its start again has 15 s before failed health counts
  assert.deepEqual(kinds(w.at(stop + 100).unhealthy('refused')), ['log', 'probe_health']);
  w.at(stop + 15_100).unhealthy('refused');
  w.unhealthy('refused');
  const first = w.units(STOPPED);
  assert.deepEqual(texts(first), [
    'fastapi.service was stopped on purpose (systemctl stop): medic does not start it',
  ]);
  assert.ok(!kinds(first).includes('restart'));
  assert.equal(w.phase, 'stopped');
  assert.deepEqual(w.at(stop + 60_000).units(STOPPED), [{ kind: 'read_units', inMs: 1000 }]);
  const started = w.signal(FASTAPI_STARTED);
  assert.deepEqual(kinds(started), ['timeline', 'read_units']);
  assert.deepEqual(w.state.stoppedOnPurpose, []);
});

test('a restart asked for (stop, start) is no incident while the new process comes up, and one once its grace is over', () => {
  const w = new Watch(FASTAPI);
  const stop = Date.parse(STOPPING.time) - T0;
  const start = stop + 2000;
  w.at(stop).signal(STOPPING);
  w.at(stop + 500).unhealthy('refused');
  w.at(start).signal({ ...FASTAPI_STARTED, time: iso(start) });
  for (const t of [1000, 2000, 3000, 14_000]) {
    const actions = w.at(start + t).unhealthy('HTTP 502');
    assert.ok(!kinds(actions).includes('open_incident'), `${t} ms after the start`);
    assert.equal(only(actions, 'log').fields['during'], 'restart asked for');
  }
  assert.equal(w.phase, 'up');
  // a release that never answers: the grace is over, failures count as always
  w.at(start + 15_500).unhealthy('HTTP 502');
  const opened = w.at(start + 16_500).unhealthy('HTTP 502');
  assert.equal(only(opened, 'open_incident').trigger, 'unhealthy');
});

test('a restart asked for that comes up healthy ends its grace; a crash within the grace is an incident at once', () => {
  const w = new Watch(FASTAPI);
  const stop = Date.parse(STOPPING.time) - T0;
  w.at(stop).signal(STOPPING);
  w.at(stop + 1000).signal({ ...FASTAPI_STARTED, time: iso(stop + 1000) });
  w.at(stop + 1500).unhealthy('refused');
  w.at(stop + 2500).healthy();
  assert.equal(w.state.askedRestart, null, 'healthy again: the restart is over');
  w.at(stop + 3500).unhealthy('HTTP 500');
  assert.equal(only(w.at(stop + 4500).unhealthy('HTTP 500'), 'open_incident').trigger, 'unhealthy');

  const c = new Watch(FASTAPI);
  c.at(stop).signal(STOPPING);
  c.at(stop + 1000).signal({ ...FASTAPI_STARTED, time: iso(stop + 1000) });
  const crash = c.at(stop + 1500).signal({ ...EXIT, unit: 'fastapi.service', time: iso(stop + 1500) });
  assert.equal(only(crash, 'open_incident').trigger, 'crash');
});

test('a unit found stopped without a stop job is started again', () => {
  const w = new Watch(FASTAPI);
  w.at(0).unhealthy('refused');
  w.unhealthy('refused');
  const actions = w.units(STOPPED);
  assert.deepEqual(only(actions, 'restart'), { kind: 'restart', unit: 'fastapi.service' });
  assert.match(texts(actions)[0] ?? '', /^medic restarts fastapi\.service: fastapi\.service is stopped/);
});

test('a crashed worker unit is the one restarted, not the app', () => {
  const worker = 'flaskapp-worker.service';
  const w = new Watch({ ...FLASK, workers: [worker] });
  w.at(0).signal({ ...EXIT, unit: worker });
  const actions = w.at(100).units(RUNNING, FAILED);
  assert.deepEqual(only(actions, 'restart'), { kind: 'restart', unit: worker });
});

test('restarts off in medic.yaml: noted once, never restarted', () => {
  const w = crashed(new Watch(FLASK, { restart: { ...CONFIG.restart, enabled: false } }));
  const actions = w.at(3000).units(FAILED);
  assert.deepEqual(texts(actions), [
    'flaskapp.service is failed (result: start-limit-hit); restarts are off in medic.yaml (watch.restart.enabled)',
  ]);
  assert.ok(!kinds(actions).includes('restart'));
  assert.deepEqual(w.at(4000).units(FAILED), [{ kind: 'read_units', inMs: 1000 }]);
});

const LEFT_OPEN: StoredIncident = {
  id: 42,
  state: 'open',
  startedAt: iso(-60_000),
  detectedAt: iso(-59_800),
  restarts: 4,
  medicRestarts: 2,
  openAlerted: true,
  lastMedicRestartAt: iso(-500),
  notes: [],
};

test('medic started again with an incident open: it goes on with it and keeps its back-off', () => {
  const w = new Watch();
  const actions = w.at(0).feed({ kind: 'start', open: LEFT_OPEN, unit: null, restartTimes: [] });
  assert.deepEqual(kinds(actions), ['continue_incident', 'metric', 'log', 'read_units', 'probe_health']);
  assert.deepEqual(only(actions, 'continue_incident'), { kind: 'continue_incident', ref: 1, id: 42 });
  assert.equal(only(actions, 'log').event, 'incident_continued');
  assert.ok(!kinds(w.units(FAILED)).includes('restart'), "medic's restart 2 was 0.5 s ago: 2 s of back-off");
  const third = w.at(1500).units(FAILED);
  assert.match(texts(third)[0] ?? '', /\(medic's restart 3;/);
});

test('medic started again before the opened alert went out: the diagnosis runs again', () => {
  const w = new Watch();
  const open = { ...LEFT_OPEN, openAlerted: false };
  const actions = w.at(0).feed({ kind: 'start', open, unit: null, restartTimes: [] });
  assert.deepEqual(only(actions, 'diagnose'), { kind: 'diagnose', ref: 1, since: null });
  assert.deepEqual(alerts(w.diagnosed(1)), ['opened']);
});

test('medic starts on a failed unit, or one in restart loop: an incident at once; on a running one, none', () => {
  const start = (unit: UnitState) =>
    new Watch().at(0).feed({ kind: 'start', open: null, unit, restartTimes: [] });
  assert.equal(
    only(start(FAILED), 'open_incident').summary,
    'flaskapp.service is failed (result: start-limit-hit)',
  );
  assert.equal(only(start(AUTO_RESTART), 'open_incident').trigger, 'restart_loop');
  assert.deepEqual(start(RUNNING), [{ kind: 'probe_health', inMs: 0 }]);
});

test('restarts from before medic started count toward the limit', () => {
  const w = new Watch();
  const restartTimes = [iso(-50_000), iso(-40_000), iso(-30_000), iso(-20_000)];
  w.at(0).feed({ kind: 'start', open: null, unit: RUNNING, restartTimes });
  w.signal(EXIT);
  w.signal(later(RESTART_SCHEDULED, 0));
  assert.ok(kinds(w.at(100).units(AUTO_RESTART)).includes('give_up'));
});

test('an OOM kill names the process the kernel killed', () => {
  const w = new Watch(FASTAPI);
  const actions = w.at(0).signal({
    kind: 'oom',
    unit: 'fastapi.service',
    time: iso(0),
    text: 'Memory cgroup out of memory: Killed process 18117 (uvicorn)',
    pid: 18117,
    process: 'uvicorn',
  });
  assert.equal(
    only(actions, 'open_incident').summary,
    'the kernel OOM-killed uvicorn (pid 18117) of fastapi.service',
  );
});
