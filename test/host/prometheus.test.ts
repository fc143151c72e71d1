// medic watch's /metrics scraped by a real Prometheus (Debian's prometheus): incidents by cause, time to detect
// and to recover, deploys by outcome, queried back through Prometheus's HTTP API. The examples are checked by
// their own tools: the alerting rules by promtool (and fired on made-up series), the Grafana dashboard's
// queries run by that Prometheus, each naming only metrics medic exports.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { Store } from '../../src/store/store.ts';
import { type Metrics, startMetrics } from '../../src/watch/metrics.ts';
import { freePort, program, startReady, type Started, waitFor } from './servers.ts';

const RULES = fileURLToPath(new URL('../../examples/prometheus-rules.yml', import.meta.url));
const DASHBOARD = fileURLToPath(new URL('../../examples/grafana-dashboard.json', import.meta.url));

let store: Store;
let metrics: Metrics;
let target: string;
let prometheus: Started;

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(expr: string): Promise<Sample[]> {
  const r = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await r.json()) as { status: string; error?: string; data: { result: Sample[] } };
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error ?? r.status}`);
  return body.data.result;
}

/** The value Prometheus has scraped for `expr`, once it has it. */
const valueOf = (expr: string) =>
  waitFor(`${expr} in Prometheus`, async () => {
    const [first] = await query(expr);
    return first ? Number(first.value[1]) : undefined;
  }).catch((e: Error) => assert.fail(`${e.message}; Prometheus said:\n${prometheus.output()}`));

function deploy(outcome: 'live' | 'rolled_back' | 'failed', release: string) {
  const now = new Date().toISOString();
  store.recordDeploy({
    service: 'flaskapp',
    kind: 'deploy',
    release,
    previous: null,
    source: '/home/deploy/build',
    startedAt: now,
    finishedAt: now,
    outcome,
    step: outcome === 'live' ? null : 'watch',
    message: null,
  });
}

before(async () => {
  const binary = program(['prometheus'], 'prometheus');
  store = Store.open(join(mkdtempSync(join(tmpdir(), 'medic-metrics-')), 'medic.db'), { create: true });
  const port = await freePort();
  target = `127.0.0.1:${port}`;
  metrics = await startMetrics(
    target,
    [{ name: 'flaskapp', unit: 'flaskapp.service', workers: [], health: null }],
    (since) => store.deploys(null, since),
    () => store.lastCheckRuns(),
  );
  // the last medic check of flaskapp, as medic check records it
  store.recordCheckRun({
    service: 'flaskapp',
    at: new Date().toISOString(),
    command: 'medic check flaskapp',
    summary: { pass: 1, warn: 0, fail: 1, skip: 0 },
    report: {
      results: [
        { id: 'db.reachable', status: 'fail' },
        { id: 'unit.active', status: 'pass' },
      ],
    },
  });
  // an incident as medic watch reports it: opened 0.2 s after the crash, diagnosed, healthy 24.6 s later
  metrics.update('flaskapp', { up: false, detectMs: 215 });
  metrics.update('flaskapp', { restart: 'systemd' });
  metrics.update('flaskapp', { cause: 'redis_unreachable' });
  metrics.update('flaskapp', { up: true, recoverMs: 24_633 });
  deploy('live', '20261122-0100');
  deploy('rolled_back', '20261122-0200');
  prometheus = await startReady(
    binary,
    () => ({
      file: 'prometheus.yml',
      text: [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'rule_files:',
        `  - ${RULES}`,
        'scrape_configs:',
        '  - job_name: medic',
        '    static_configs:',
        `      - targets: ['${target}']`,
        '',
      ].join('\n'),
    }),
    (dir, p) => [
      `--config.file=${dir}/prometheus.yml`,
      `--storage.tsdb.path=${dir}/data`,
      `--web.listen-address=127.0.0.1:${p}`,
      '--log.level=warn',
    ],
  );
});
after(async () => {
  await prometheus?.stop();
  await metrics?.close();
  store?.close();
});

test('Prometheus scrapes incidents by cause, time to detect and recover, deploys by outcome', async () => {
  assert.equal(await valueOf(`up{job="medic",instance="${target}"} == 1`), 1, 'the target is up');
  assert.equal(await valueOf('medic_incidents_total{service="flaskapp",cause="redis_unreachable"}'), 1);
  assert.equal(await valueOf('medic_time_to_detect_seconds_count{service="flaskapp"}'), 1);
  assert.equal(await valueOf('medic_time_to_detect_seconds_sum{service="flaskapp"}'), 0.215);
  assert.equal(await valueOf('medic_time_to_detect_seconds_bucket{service="flaskapp",le="0.25"}'), 1);
  assert.equal(await valueOf('medic_time_to_detect_seconds_bucket{service="flaskapp",le="0.1"}'), 0);
  assert.equal(await valueOf('medic_time_to_recover_seconds_bucket{service="flaskapp",le="30"}'), 1);
  assert.equal(await valueOf('medic_time_to_recover_seconds_bucket{service="flaskapp",le="10"}'), 0);
  assert.equal(await valueOf('medic_deploys_total{service="flaskapp",outcome="rolled_back"}'), 1);
  assert.equal(await valueOf('medic_deploys_total{service="flaskapp",outcome="live"}'), 1);
  assert.equal(await valueOf('medic_deploys_total{service="flaskapp",outcome="failed"}'), 0);
  // a deploy recorded while medic watch runs is counted at the next scrape, once
  deploy('failed', '20261122-0300');
  assert.equal(await valueOf('medic_deploys_total{service="flaskapp",outcome="failed"} == 1'), 1);
  assert.equal(await valueOf('sum(medic_deploys_total)'), 3);
  // the last check's verdicts, per check
  assert.equal(await valueOf('medic_check_result{service="flaskapp",check="db.reachable",status="fail"}'), 1);
  assert.equal(await valueOf('count(medic_check_result{service="flaskapp"})'), 2);
});

test('the example rules load in Prometheus and pass promtool check rules', async () => {
  const check = spawnSync(program(['promtool'], 'prometheus'), ['check', 'rules', RULES], {
    encoding: 'utf8',
  });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /SUCCESS: 4 rules found/);
  const rules = async () => {
    const r = await fetch(`${prometheus.url}/api/v1/rules`);
    const { data } = (await r.json()) as {
      data: { groups: { rules: { name: string; health: string }[] }[] };
    };
    return data.groups.flatMap((g) => g.rules);
  };
  assert.deepEqual(
    (await rules()).map((x) => x.name),
    ['MedicServiceDown', 'MedicRestartsClimbing', 'MedicIncidentOpenTooLong', 'MedicWatchDown'],
  );
  await waitFor('every rule evaluated without error', async () =>
    (await rules()).every((x) => x.health === 'ok') ? true : undefined,
  );
});

test('the example rules fire on the series they watch (promtool test rules)', () => {
  const { groups } = parse(readFileSync(RULES, 'utf8')) as {
    groups: {
      rules: { alert: string; labels: Record<string, string>; annotations: Record<string, string> }[];
    }[];
  };
  const rule = new Map(groups.flatMap((g) => g.rules).map((r) => [r.alert, r]));
  const series = { instance: 'web1:9105', job: 'medic', service: 'flaskapp' };
  /** The alert as Prometheus sends it: its series' labels, the rule's, annotations filled in. */
  const firing = (name: string, labels: Record<string, string>) => {
    const r = rule.get(name)!;
    const fill = (t: string) => t.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_m, k: string) => labels[k] ?? '');
    return {
      exp_labels: { ...labels, ...r.labels },
      exp_annotations: Object.fromEntries(Object.entries(r.annotations).map(([k, v]) => [k, fill(v)])),
    };
  };
  const at = (eval_time: string, alertname: string, exp_alerts: object[]) => ({
    eval_time,
    alertname,
    exp_alerts,
  });
  const selector = (name: string, labels: Record<string, string>) =>
    `${name}{${Object.entries(labels)
      .map(([k, v]) => `${k}="${v}"`)
      .join(', ')}}`;
  // down from minute 2 on, restarting once a minute, medic's own target gone too
  const spec = {
    rule_files: [RULES],
    evaluation_interval: '1m',
    tests: [
      {
        interval: '1m',
        input_series: [
          { series: selector('medic_service_up', series), values: '1 1 0x60' },
          { series: selector('medic_open_incidents', series), values: '0 0 1x60' },
          { series: selector('medic_restarts_total', { ...series, by: 'systemd' }), values: '0 0 1+1x60' },
          { series: selector('up', { instance: 'web1:9105', job: 'medic' }), values: '1 1 0x60' },
        ],
        alert_rule_test: [
          ...[...rule.keys()].map((name) => at('1m', name, [])),
          at('10m', 'MedicServiceDown', [firing('MedicServiceDown', series)]),
          at('10m', 'MedicRestartsClimbing', [
            firing('MedicRestartsClimbing', { instance: 'web1:9105', service: 'flaskapp' }),
          ]),
          at('10m', 'MedicWatchDown', [firing('MedicWatchDown', { instance: 'web1:9105', job: 'medic' })]),
          at('10m', 'MedicIncidentOpenTooLong', []),
          at('40m', 'MedicIncidentOpenTooLong', [firing('MedicIncidentOpenTooLong', series)]),
        ],
      },
    ],
  };
  const file = join(mkdtempSync(join(tmpdir(), 'medic-rules-')), 'rules.test.yml');
  writeFileSync(file, stringify(spec));
  const run = spawnSync(program(['promtool'], 'prometheus'), ['test', 'rules', file], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /SUCCESS/);
});

test('the Grafana dashboard: valid JSON whose every query runs and names metrics medic exports', async () => {
  // every name /metrics declares, a histogram's series too
  const text = await (await fetch(`http://${target}/metrics`)).text();
  const exported = new Set(
    [...text.matchAll(/^# TYPE (medic_\w+) (\w+)$/gm)].flatMap(([, name = '', type]) =>
      type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name],
    ),
  );
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    title: string;
    uid: string;
    panels: { id: number; title: string; targets: { expr: string }[] }[];
  };
  assert.equal(dashboard.uid, 'medic-watch');
  assert.equal(new Set(dashboard.panels.map((p) => p.id)).size, dashboard.panels.length, 'panel ids unique');
  const rules = readFileSync(RULES, 'utf8');
  const exprs = [
    ...dashboard.panels.flatMap((p) => p.targets.map((t) => ({ where: p.title, expr: t.expr }))),
    ...[...rules.matchAll(/expr: (.+)/g)].map((m) => ({ where: 'prometheus-rules.yml', expr: m[1] ?? '' })),
  ];
  for (const { where, expr } of exprs) {
    const names = expr.match(/\bmedic_\w+/g) ?? [];
    if (!/^up\{/.test(expr)) assert.ok(names.length > 0, `${where}: ${expr} names no medic metric`);
    for (const name of names) assert.ok(exported.has(name), `${where}: ${name} is not on medic's /metrics`);
  }
  // Grafana's variables as Grafana fills them in; Prometheus must accept every query
  for (const { where, expr } of exprs) {
    const filled = expr
      .replaceAll('$service', '.*')
      .replaceAll('$__range', '1h')
      .replaceAll('$__rate_interval', '1m');
    await query(filled).catch((e: Error) => assert.fail(`${where}: ${e.message}`));
  }
  assert.ok(
    (await query('medic_incidents_total{service=~".*"}')).length > 0,
    'the Incidents by cause panel has data',
  );
});
