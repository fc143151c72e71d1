// The pure rules behind `medic check`, on fixtures cut from real output (sources cited in each fixture's
// first line) and on the testbed's own project files.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { CheckResult } from '../../src/checks/types.ts';
import { parseDjangoCheck } from '../../src/checks/django_check_deploy.ts';
import { hostAllowed } from '../../src/checks/django_allowed_hosts_match.ts';
import { unappliedDjango } from '../../src/checks/db_migrations_applied.ts';
import { missingNames } from '../../src/checks/env_required_present.ts';
import { urlProblem } from '../../src/checks/env_urls_parse.ts';
import { weakSecret } from '../../src/checks/env_secrets_not_default.ts';
import { judgeFirewall, parseIptables, parseNft, parseUfw } from '../../src/checks/firewall_public_ports.ts';
import { oomKills } from '../../src/checks/host_recent_oom.ts';
import { publicBinds } from '../../src/checks/net_bind_address.ts';
import { sameAddress } from '../../src/checks/net_port_conflict.ts';
import { effectiveProxyHeaders } from '../../src/checks/nginx_proxy_headers.ts';
import { nameCovers } from '../../src/checks/tls_certificate_valid.ts';
import { logFilesOf } from '../../src/checks/fs_writable_paths.ts';
import { pipCheckProblems } from '../../src/checks/deps_installed.ts';
import { namesOf } from '../../src/checks/unit_user_exists.ts';
import { CHECKS } from '../../src/checks/index.ts';
import { rulesExported } from './rule-files.ts';
import { selectChecks } from '../../src/checks/run.ts';
import {
  alembicHeads,
  envReadsOf,
  pinnedPython,
  pyprojectOf,
  requirementsOf,
  satisfies,
} from '../../src/discover/project.ts';
import { parseNginxText } from '../../src/nginx/config.ts';
import { parseStat } from '../../src/host/processes.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/checks/${name}`, import.meta.url), 'utf8').replace(/^# source:.*\n/, '');
const testbed = (path: string) =>
  readFileSync(new URL(`../../testbed/image/files/${path}`, import.meta.url), 'utf8');

test('the catalog: every check the preflight list names, once, with a layer, a title and docs', () => {
  const ids = CHECKS.map((c) => c.meta.id);
  const wanted = [
    'unit.exec_exists',
    'unit.workdir_exists',
    'unit.user_exists',
    'unit.envfile_readable',
    'unit.restart_policy',
    'unit.enabled_on_boot',
    'unit.active',
    'env.required_present',
    'env.urls_parse',
    'env.secrets_not_default',
    'runtime.python_version',
    'runtime.venv_matches_exec',
    'deps.installed',
    'app.importable',
    'django.check_deploy',
    'django.allowed_hosts_match',
    'flask.debug_off',
    'db.reachable',
    'db.auth',
    'db.connections_headroom',
    'db.migrations_applied',
    'cache.redis_reachable',
    'fs.writable_paths',
    'fs.socket_dir',
    'fs.static_root_exists',
    'host.disk_free',
    'host.memory_headroom',
    'host.recent_oom',
    'net.bind_address',
    'net.port_conflict',
    'net.app_listening',
    'nginx.config_valid',
    'nginx.upstream_matches_bind',
    'nginx.socket_permission',
    'nginx.static_alias_exists',
    'nginx.proxy_headers',
    'tls.certificate_valid',
    'dns.resolves_here',
    'firewall.public_ports',
    'health.endpoint_ok',
    'health.endpoint_lightweight',
    'workers.running',
  ];
  assert.deepEqual([...ids].sort(), [...wanted].sort());
  assert.equal(new Set(ids).size, ids.length);
  for (const c of CHECKS) {
    assert.ok(c.meta.title.length > 10 && c.meta.docs.length > 60, c.meta.id);
  }
});

test('the check index: every file that exports a check is listed, and deploy gates on the ones that say so', async () => {
  const exported = await rulesExported(
    'checks',
    (v) => typeof (v as { judge?: unknown }).judge === 'function',
  );
  for (const { file, rule } of exported)
    assert.ok(
      CHECKS.some((c) => c === rule),
      `${file} exports ${rule.meta.id}, not in index.ts`,
    );
  assert.deepEqual(exported.map((e) => e.rule.meta.id).sort(), CHECKS.map((c) => c.meta.id).sort());
  const { PREFLIGHT } = await import('../../src/deploy/deploy.ts');
  assert.deepEqual([...PREFLIGHT].sort(), [
    'app.importable',
    'cache.redis_reachable',
    'db.auth',
    'db.connections_headroom',
    'db.reachable',
    'deps.installed',
    'env.required_present',
    'env.urls_parse',
    'runtime.python_version',
    'unit.envfile_readable',
    'unit.exec_exists',
    'unit.user_exists',
  ]);
});

test("the checks that ask the app's Python say so, and a live diagnosis leaves them out", async () => {
  const { readFileSync } = await import('node:fs');
  const asks = /\.appFacts\(|\.appProbePart\(|asUser\(\s*\[\s*(?:service\.)?python\b/;
  for (const { file, rule } of await rulesExported(
    'checks',
    (v) => typeof (v as { judge?: unknown }).judge === 'function',
  )) {
    const source = readFileSync(new URL(`../../src/checks/${file}`, import.meta.url), 'utf8');
    const flagged = (rule.meta as { runsAppPython?: true }).runsAppPython === true;
    assert.equal(flagged, asks.test(source), `${rule.meta.id}: runsAppPython is ${flagged}`);
  }
});

test('--only and --skip take ids and prefixes, and name what matches nothing', () => {
  assert.deepEqual(
    selectChecks({ only: ['nginx'] })
      .checks.map((c) => c.meta.id)
      .sort(),
    [
      'nginx.config_valid',
      'nginx.proxy_headers',
      'nginx.socket_permission',
      'nginx.static_alias_exists',
      'nginx.upstream_matches_bind',
    ],
  );
  const some = selectChecks({ only: ['db', 'unit.active'], skip: ['db.auth'] }).checks.map((c) => c.meta.id);
  assert.deepEqual(some.sort(), [
    'db.connections_headroom',
    'db.migrations_applied',
    'db.reachable',
    'unit.active',
  ]);
  assert.deepEqual(selectChecks({ only: ['nginx.nope', 'dns.*'] }).unknown, ['nginx.nope']);
});

test('URLs parse the way Python urllib reads them', () => {
  const ok = [
    'postgresql://flaskapp:Fl4sk-DB-pw-71@127.0.0.1:5432/flaskapp',
    'redis://127.0.0.1:6379/0',
    'redis://:p%2Fw@cache:6379/1',
    'postgres://app@[::1]:5432/app',
    'postgresql:///app?host=/var/run/postgresql',
    'sqlite:////srv/app/db.sqlite3',
  ];
  for (const u of ok) assert.equal(urlProblem(u), null, u);
  // the testbed's malformed_env_value: a rotated password with an unescaped "/" ("Port could not be cast")
  assert.match(
    urlProblem('postgresql://flaskapp:Fl4sk/DB-pw-71@127.0.0.1:5432/flaskapp') ?? '',
    /port|password/,
  );
  assert.equal(urlProblem('postgresql://app:pa:ss@db:5432/app'), null); // urllib splits user:password at the first ":"
  assert.match(urlProblem('postgresql://app:pa#ss@db/app') ?? '', /not percent-encoded/);
  assert.match(urlProblem('redis://cache:63a79/0') ?? '', /port is not a number/);
  assert.match(urlProblem('redis://cache:99999/0') ?? '', /out of range/);
  assert.match(urlProblem('127.0.0.1:6379') ?? '', /not a URL/);
});

test('secrets: placeholders and weak values fail, real ones pass', () => {
  for (const v of [
    'changeme',
    'change-me',
    'secret',
    '',
    'django-insecure-not-really-4b7e1f',
    'your-secret-key-here',
    'short1',
    'aaaaaaaaaaaaaaaaaa',
  ])
    assert.ok(weakSecret(v), v);
  for (const v of [
    'sk_live_51MedicTestbedFlask0000000000',
    'tok-fastapi-93b1c7e2f4',
    'Fl4sk-DB-pw-71-longer',
    'q8Zr2mYt0cW3vN9pLx5s',
  ])
    assert.equal(weakSecret(v), null, v);
});

test('Django check --deploy output: ids, levels, and the ones that matter', () => {
  const issues = parseDjangoCheck(fixture('django-check-deploy-debug-on.txt'));
  assert.deepEqual(
    issues.map((i) => i.id),
    ['security.W004', 'security.W008', 'security.W012', 'security.W016', 'security.W018', 'security.W020'],
  );
  assert.ok(issues.every((i) => i.level === 'warning' && i.object === '?'));
  assert.match(issues[4]?.message ?? '', /DEBUG set to True/);
  const advice = parseDjangoCheck(fixture('django-check-deploy-https-advice.txt'));
  assert.deepEqual(
    advice.map((i) => i.id),
    ['security.W004', 'security.W012', 'security.W016'],
  );
  assert.deepEqual(parseDjangoCheck('System check identified no issues (4 silenced).'), []);
  const error = parseDjangoCheck(
    'SystemCheckError: System check identified some issues:\n\nERRORS:\nnotes.Note.words: (fields.E304) Reverse accessor clashes.\n\tHINT: Add or change a related_name argument.',
  );
  assert.equal(error[0]?.level, 'error');
  assert.match(error[0]?.message ?? '', /HINT: Add or change/);
});

test("ALLOWED_HOSTS matches the way Django's validate_host does", () => {
  assert.ok(hostAllowed('django.medic.test', ['django.medic.test', 'localhost']));
  assert.ok(hostAllowed('www.example.com', ['.example.com']));
  assert.ok(hostAllowed('example.com', ['.example.com']));
  assert.ok(hostAllowed('anything.test', ['*']));
  assert.ok(hostAllowed('Example.COM:443', ['example.com']));
  assert.ok(!hostAllowed('django.medic.test', ['localhost', '127.0.0.1']));
  assert.ok(!hostAllowed('badexample.com', ['.example.com']));
});

test('firewalls: ufw, nftables and iptables rules, read from real output', () => {
  const ufw = parseUfw(fixture('ufw-status-verbose-ssh-only.txt'));
  assert.equal(ufw?.filtering, true);
  assert.deepEqual([...(ufw?.allowed ?? [])], [22]); // ALLOW FWD rules are for routed traffic, not this host
  assert.deepEqual(judgeFirewall(ufw, [80, 443], []).blockedSite, [80, 443]);
  assert.deepEqual(parseUfw('Status: inactive\n'), { tool: 'ufw', filtering: false, allowed: new Set() });

  const nft = parseNft(fixture('nft-ruleset-ssh-only.txt'));
  assert.equal(nft?.filtering, true);
  assert.deepEqual([...(nft?.allowed ?? [])], [22]);
  const set = parseNft(fixture('nft-ruleset-set-of-ports.txt'));
  assert.deepEqual(
    [...(set?.allowed ?? [])].sort((a, b) => a - b),
    [16804, 22067, 22070, 55555],
  );
  const reject = parseNft(fixture('nft-ruleset-final-reject.txt'));
  assert.equal(reject?.filtering, true);
  assert.deepEqual(judgeFirewall(reject, [80, 443], [8001]), { blockedSite: [80, 443], exposed: [] });

  const ipt = parseIptables(
    '-P INPUT DROP\n-A INPUT -i lo -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 443 -j ACCEPT\n-A INPUT -p tcp -m multiport --dports 22,80 -j ACCEPT\n-A INPUT -s 10.0.0.1/32 -p tcp --dport 5432 -j ACCEPT\n',
  );
  assert.deepEqual(
    [...(ipt?.allowed ?? [])].sort((a, b) => a - b),
    [22, 80, 443],
  );
  // no firewall at all: the site is open, and so is any private port that listens on every interface
  assert.deepEqual(judgeFirewall(null, [80], [6379, 8001]), { blockedSite: [], exposed: [6379, 8001] });
  assert.deepEqual(judgeFirewall(null, [80, 443], []), { blockedSite: [], exposed: [] });
});

test("proxy_set_header inheritance: a level that sets any header drops the enclosing level's", () => {
  const parsed = parseNginxText(
    testbed('etc/nginx/sites-available/fastapi'),
    '/etc/nginx/sites-available/fastapi',
  );
  assert.ok(Array.isArray(parsed));
  const server = parsed.filter((d) => d.name === 'server')[1];
  const location = server?.block?.find((d) => d.name === 'location');
  const headers = effectiveProxyHeaders([server?.block ?? [], location?.block ?? []]);
  assert.deepEqual([...headers].sort(), ['host', 'x-forwarded-for', 'x-forwarded-proto']);
  const inner = parseNginxText(
    'server { proxy_set_header Host $host; proxy_set_header X-Forwarded-Proto $scheme; location / { proxy_set_header X-Request-Id $request_id; proxy_pass http://app; } }',
    'x',
  );
  assert.ok(Array.isArray(inner));
  const s = inner[0];
  const l = s?.block?.find((d) => d.name === 'location');
  assert.deepEqual([...effectiveProxyHeaders([s?.block ?? [], l?.block ?? []])], ['x-request-id']);
  const params = parseNginxText(
    'location / { include proxy_params; proxy_pass http://unix:/run/app.sock; }',
    'x',
  );
  assert.ok(Array.isArray(params));
  assert.ok(effectiveProxyHeaders([params[0]?.block ?? []]).has('x-forwarded-proto'));
});

test('binds that other machines can reach, and sockets that collide', () => {
  assert.deepEqual(
    publicBinds([
      { kind: 'tcp', host: '0.0.0.0', port: 8001 },
      { kind: 'tcp', host: '127.0.0.1', port: 8000 },
      { kind: 'unix', path: '/run/a.sock' },
    ]),
    [{ kind: 'tcp', host: '0.0.0.0', port: 8001 }],
  );
  assert.deepEqual(publicBinds([{ kind: 'tcp', host: '::1', port: 8001 }]), []);
  assert.ok(sameAddress('0.0.0.0', '127.0.0.1'));
  assert.ok(sameAddress('127.0.0.1', 'localhost'));
  assert.ok(!sameAddress('127.0.0.1', '::1'));
});

test('certificate names: exact and one-label wildcards', () => {
  assert.ok(nameCovers('fastapi.medic.test', 'fastapi.medic.test'));
  assert.ok(nameCovers('*.medic.test', 'fastapi.medic.test'));
  assert.ok(!nameCovers('*.medic.test', 'a.b.medic.test'));
  assert.ok(!nameCovers('*.medic.test', 'medic.test'));
});

test('environment reads in the testbed apps: required names, defaults, setdefault excluded', () => {
  const flask = envReadsOf(testbed('srv/flaskapp/flaskapp/__init__.py'), 'flaskapp/__init__.py');
  const byName = new Map(flask.map((r) => [r.name, r]));
  assert.deepEqual([...byName.keys()].sort(), [
    'DATABASE_URL',
    'LOG_DIR',
    'REDIS_URL',
    'REPORT_DELAY_SECONDS',
    'SECRET_KEY',
    'UPLOAD_DIR',
  ]);
  assert.equal(byName.get('SECRET_KEY')?.required, true);
  assert.equal(byName.get('UPLOAD_DIR')?.required, false);
  assert.equal(byName.get('UPLOAD_DIR')?.default, '/srv/flaskapp/uploads');
  const django = envReadsOf(testbed('srv/djangoapp/mysite/settings.py'));
  assert.deepEqual(
    django
      .filter((r) => r.required)
      .map((r) => r.name)
      .sort(),
    ['CELERY_BROKER_URL', 'DATABASE_URL', 'SECRET_KEY'],
  );
  assert.deepEqual(envReadsOf(testbed('srv/djangoapp/mysite/wsgi.py')), []);
  const other = envReadsOf(
    'SECRET = env("SECRET_KEY")\nDEBUG = env.bool("DEBUG", default=False)\nX = config("API_TOKEN")\nY = config("TIMEOUT", default=30, cast=int)\nos.environ["SET_HERE"] = "1"\n',
  );
  assert.deepEqual(
    other.map((r) => [r.name, r.required]),
    [
      ['SECRET_KEY', true],
      ['DEBUG', false],
      ['API_TOKEN', true],
      ['TIMEOUT', false],
    ],
  );
  assert.deepEqual(
    missingNames(flask, { SECRET_KEY: 'x', DATABASE_URL: 'y' }).map((r) => r.name),
    ['REDIS_URL'],
  );
});

test('requirements, pyproject, runtime pins and Alembic heads from the testbed projects', () => {
  assert.deepEqual(
    requirementsOf(testbed('srv/flaskapp/requirements.txt')).map((r) => `${r.name}${r.spec}`),
    ['flask==2.2.2', 'gunicorn==20.1.0', 'psycopg2==2.9.5', 'redis==4.3.4'],
  );
  assert.deepEqual(
    requirementsOf(
      '-r base.txt\n# c\nDjango>=4.2,<5 ; python_version >= "3.10"\ngit+https://x/y.git\nrequests[socks]~=2.31  # pinned\n',
    ).map((r) => `${r.name}${r.spec}`),
    ['django>=4.2,<5', 'requests~=2.31'],
  );
  const pp = pyprojectOf(testbed('srv/fastapi/pyproject.toml'));
  assert.equal(pp?.requiresPython, '>=3.11');
  assert.deepEqual(
    pp?.dependencies.map((d) => d.name),
    ['fastapi', 'uvicorn', 'sqlalchemy', 'alembic', 'psycopg2'],
  );
  const poetry = pyprojectOf(
    '[tool.poetry.dependencies]\npython = "^3.11"\ndjango = "^4.2"\ncelery = { version = "~5.3", extras = ["redis"] }\n',
  );
  assert.equal(poetry?.requiresPython, '>=3.11,<4.0');
  assert.deepEqual(
    poetry?.dependencies.map((d) => `${d.name}${d.spec}`),
    ['django>=4.2,<5.0', 'celery>=5.3,<5.4'],
  );
  assert.equal(pyprojectOf('not = [toml'), undefined);
  assert.equal(pinnedPython('python-3.11.4\n'), '3.11.4');
  assert.equal(pinnedPython('3.12\n'), '3.12');
  const heads = alembicHeads([
    testbed('srv/fastapi/migrations/versions/0001_create_items.py'),
    testbed('srv/fastapi/migrations/versions/0002_add_priority.py'),
  ]);
  assert.equal(heads.length, 1);
  assert.ok(satisfies('3.11.2', '>=3.11'));
  assert.ok(!satisfies('3.11.2', '>=3.12'));
  assert.ok(satisfies('3.12.1', '==3.12.*'));
});

test('Django unapplied migrations, pip check lines, log files, passwd names, /proc stat', () => {
  assert.deepEqual(
    unappliedDjango('[X]  contenttypes.0001_initial\n[X]  notes.0001_initial\n[ ]  notes.0002_note_words\n'),
    ['notes.0002_note_words'],
  );
  assert.deepEqual(pipCheckProblems('No broken requirements found.\n'), []);
  assert.equal(
    pipCheckProblems('flask 2.2.2 has requirement Werkzeug>=2.2.2, but you have werkzeug 2.0.1.\n').length,
    1,
  );
  assert.deepEqual(
    logFilesOf(['gunicorn', '--access-logfile', '-', '--error-logfile=/var/log/app/error.log', 'wsgi:app']),
    ['/var/log/app/error.log'],
  );
  assert.ok(
    namesOf('root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n').has(
      'www-data',
    ),
  );
  const p = parseStat(
    '4242 (gunicorn: work) S 4200 4200 4200 0 -1 4194560 1805 0 0 0 3 1 0 0 20 0 1 0 123 61000000 5120 18446744073709551615',
  );
  assert.deepEqual(p, { pid: 4242, ppid: 4200, comm: 'gunicorn: work', rssBytes: 5120 * 4096 });
});

test('an OOM kill counts only where the unit itself died by SIGKILL within 2 s', () => {
  const t = (ms: number) => String(ms * 1000);
  const unit = [
    JSON.stringify({
      MESSAGE: 'fastapi.service: Main process exited, code=killed, status=9/KILL',
      __REALTIME_TIMESTAMP: t(1_700_000_010_000),
    }),
  ].join('\n');
  const kernel = [
    JSON.stringify({
      MESSAGE: 'Out of memory: Killed process 812 (uvicorn) total-vm:612000kB',
      __REALTIME_TIMESTAMP: t(1_700_000_009_500),
    }),
    JSON.stringify({
      MESSAGE: 'Out of memory: Killed process 99 (uvicorn) total-vm:612000kB',
      __REALTIME_TIMESTAMP: t(1_699_990_000_000),
    }),
    JSON.stringify({
      MESSAGE: 'Out of memory: Killed process 13 (java)',
      __REALTIME_TIMESTAMP: t(1_700_000_010_000),
    }),
  ].join('\n');
  const kills = oomKills(unit, kernel, 'fastapi.service', 'uvicorn');
  assert.equal(kills.length, 1);
  assert.match(kills[0] ?? '', /Killed process 812/);
});

test('docs/checks.md is generated from the catalog and up to date', async () => {
  const { checksDoc } = await import('../../scripts/checks-doc.ts');
  const current = readFileSync(new URL('../../docs/checks.md', import.meta.url), 'utf8');
  assert.equal(current, checksDoc(), 'run npm run docs');
  for (const c of CHECKS) assert.ok(current.includes(`### ${c.meta.id}`), c.meta.id);
});

test('medic.yaml: a syntax error names the file and line, a schema error the line and the key, each in one line', async () => {
  const { parseConfig } = await import('../../src/config/medic-yaml.ts');
  assert.throws(
    () => parseConfig('version: 1\nservices: [\n', 'm.yaml'),
    /^UsageError: m\.yaml:3: not valid YAML \(Flow sequence/,
  );
  assert.throws(() => parseConfig('version: 1\nservices:\n  app:\n    unit: "bad unit!"\n', 'm.yaml'), {
    message: 'm.yaml:4: services.app.unit: a systemd unit name',
  });
  // a key that is missing: the line of the map that lacks it
  assert.throws(() => parseConfig('version: 1\nservices:\n  app:\n    health: null\n', 'm.yaml'), {
    message: 'm.yaml:4: services.app.unit: Invalid input: expected string, received undefined',
  });
  const ok = parseConfig(
    'version: 1\nservices:\n  app:\n    unit: app.service\n    health:\n      url: http://app.test/health\n',
  );
  assert.equal(ok.services.app?.health?.status, 200);
});

test('a live diagnosis: each layer is its worst check, and a failed risk is a warning there', async () => {
  const { layersOf } = await import('../../src/diagnose/layers.ts');
  const result = (id: string, layer: CheckResult['layer'], status: CheckResult['status']): CheckResult => ({
    id,
    layer,
    title: id,
    status,
    summary: `${id} ${status}`,
    evidence: [],
    fix: [],
    ms: 1,
  });
  const layers = layersOf([
    result('env.secrets_not_default', 'app', 'fail'),
    result('health.endpoint_ok', 'app', 'pass'),
    result('db.reachable', 'database', 'fail'),
    result('cache.redis_reachable', 'cache', 'skip'),
  ]);
  const of = (name: string) => layers.find((l) => l.name === name);
  assert.deepEqual(of('app'), { name: 'app', status: 'warn', summary: 'env.secrets_not_default fail' });
  assert.deepEqual(of('database'), { name: 'database', status: 'fail', summary: 'db.reachable fail' });
  assert.equal(of('cache')?.status, 'skip');
  assert.equal(of('dns')?.status, 'unknown');
});
