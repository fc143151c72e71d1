// The unit file parser, `systemctl cat` and `systemctl show` readers on real units: the testbed's own
// and public ones (test/fixtures/systemd, each naming its source on its first line).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import {
  type ExecCommand,
  parseExecCommands,
  parseShow,
  parseShowTimestamp,
  parseShowUnits,
  showBoolean,
  showBytes,
  showEnvironment,
  showEnvironmentFiles,
  showExecCommands,
  showNumber,
  showSeconds,
  showTimestamp,
  showValue,
} from '../../src/systemd/show.ts';
import {
  type CommandLine,
  expandCommandLine,
  filesOfSystemctlCat,
  parseSystemctlCat,
  parseUnitFile,
  parseUnitFiles,
  resolveSpecifiers,
  splitCommandLine,
  splitSystemdWords,
  type SystemdUnit,
  unitAssignment,
  unitEnvironment,
  unitEnvironmentFiles,
  unitValue,
  unitValues,
} from '../../src/systemd/unit.ts';
import { parseEnvFile } from '../../src/app/envfile.ts';

const FIXTURES = new URL('../fixtures/systemd/', import.meta.url);
const TESTBED = new URL('../../testbed/image/files/etc/systemd/system/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8');
const testbedUnit = (name: string) => parseUnitFile(readFileSync(new URL(name, TESTBED), 'utf8'), name);

function execStart(text: string | undefined): CommandLine {
  const command = splitCommandLine(text ?? '');
  assert.ok(command, `a command in ${text}`);
  return command;
}

test('every fixture names its public source on its first line', () => {
  const names = readdirSync(FIXTURES);
  assert.ok(names.length >= 4);
  for (const name of names) assert.match(fixture(name).split('\n')[0] ?? '', /^# source: https:\/\//, name);
});

test('the testbed units: sections, one-line and continued ExecStart, specifiers', () => {
  const flask = testbedUnit('flaskapp.service');
  assert.equal(unitValue(flask, 'Unit', 'Description'), 'flaskapp (Flask under Gunicorn)');
  assert.equal(unitValue(flask, 'Service', 'RuntimeDirectory'), 'flaskapp');
  assert.deepEqual(unitValues(flask, 'Install', 'WantedBy'), ['multi-user.target']);
  assert.deepEqual(execStart(unitValue(flask, 'Service', 'ExecStart')).argv.slice(0, 3), [
    '/srv/flaskapp/.venv/bin/gunicorn',
    '--workers',
    '2',
  ]);
  const fastapi = testbedUnit('fastapi.service');
  const start = unitAssignment(fastapi, 'Service', 'ExecStart');
  assert.equal(start?.line, 11, 'a continued assignment is located at its first line');
  assert.deepEqual(execStart(start?.value).argv, [
    '/srv/fastapi/.venv/bin/uvicorn',
    'app.main:app',
    '--host',
    '127.0.0.1',
    '--port',
    '8000',
    '--proxy-headers',
  ]);
  const celery = execStart(unitValue(testbedUnit('djangoapp-celery.service'), 'Service', 'ExecStart'));
  assert.equal(celery.argv[celery.argv.length - 1], '--hostname=worker1@%h', '"%%" is a literal "%"');
  for (const unit of [flask, fastapi]) assert.deepEqual(unit.problems, []);
});

test('public gunicorn units: quoted Environment, trailing spaces, a commented-out ExecStart, continuations', () => {
  const fastapi = parseUnitFile(fixture('fastapi-gunicorn.service'));
  assert.deepEqual(unitValues(fastapi, 'Service', 'Environment'), ['"PATH=/home/henry/fastapi/venv/bin"']);
  assert.deepEqual(splitSystemdWords(unitValue(fastapi, 'Service', 'Environment') ?? ''), [
    'PATH=/home/henry/fastapi/venv/bin',
  ]);
  assert.equal(execStart(unitValue(fastapi, 'Service', 'ExecStart')).argv.at(-1), '0.0.0.0:8000');
  assert.equal(
    unitValue(fastapi, 'Install', 'WantedBy'),
    'multi-user.target',
    'no blank line needed before [Install]',
  );

  const andynor = parseUnitFile(fixture('andynor-gunicorn.service'));
  assert.equal(unitValues(andynor, 'Service', 'ExecStart').length, 1, '#ExecStart= is a comment');
  assert.deepEqual(unitValues(andynor, 'Service', 'Environment'), [
    '"PYTHONPATH=/home/django/django_project/andynor"',
    '"DJANGO_SETTINGS_MODULE=settings"',
    '"PATH=/home/django/django_project/python3.13-env/bin"',
    '"PYTHONUNBUFFERED=1"',
  ]);
  assert.deepEqual(execStart(unitValue(andynor, 'Service', 'ExecStart')).argv, [
    '/home/django/django_project/python3.13-env/bin/gunicorn',
    '--workers',
    '3',
    '--bind',
    'unix:/home/django/gunicorn.socket',
    '--capture-output',
    '--error-logfile',
    '/home/django/django_project/andynor/gunicorn_error.log',
    'wsgi:application',
  ]);
  assert.equal(
    unitValue(andynor, 'Service', 'Restart'),
    'always',
    'the line after a continuation is its own',
  );
  assert.equal(
    unitValue(andynor, 'Install', 'WantedBy'),
    'multi-user.target',
    'a file may end without a newline',
  );
});

test('mistakes systemd ignores are reported: assignments before any section, a lower-case [unit]', () => {
  const uvicorn = parseUnitFile(fixture('uvicorn-issue-678.service'), '/lib/systemd/system/uvicorn.service');
  assert.deepEqual(
    uvicorn.problems.map((p) => [p.line, p.message]),
    [
      [2, 'Assignment outside of section. Ignoring.'],
      [3, 'Assignment outside of section. Ignoring.'],
      [4, 'Assignment outside of section. Ignoring.'],
    ],
  );
  assert.equal(uvicorn.sections.has('Unit'), false);
  assert.equal(unitValue(uvicorn, 'Service', 'Type'), 'notify');
  const ollama = parseUnitFile(fixture('ollama-issue-3195.service'));
  assert.equal(unitValue(ollama, 'Unit', 'Description'), undefined, 'section names are case-sensitive');
  assert.equal(unitValue(ollama, 'unit', 'Description'), 'Ollama Service');
  assert.deepEqual(
    unitValues(ollama, 'Service', 'Environment').flatMap((v) => splitSystemdWords(v) ?? []),
    ['OLLAMA_HOST=0.0.0.0', 'OLLAMA_MODELS=/data/ollama/.ollama/models'],
  );
});

test('unit syntax: continuation, comments, empty assignments, missing "="', () => {
  const cases: { text: string; key: string; values: string[]; problems?: number }[] = [
    { text: '[Service]\nExecStart=/bin/a \\\n  --flag\n', key: 'ExecStart', values: ['/bin/a    --flag'] },
    {
      text: '[Service]\nExecStart=/bin/a \\\n# a comment inside\n  --flag\n',
      key: 'ExecStart',
      values: ['/bin/a    --flag'],
    },
    { text: '[Service]\nExecStart=/bin/a \\\\\nUser=x\n', key: 'ExecStart', values: ['/bin/a \\\\'] },
    {
      text: '[Service]\n; a comment\nExecStart=/bin/a # not a comment\n',
      key: 'ExecStart',
      values: ['/bin/a # not a comment'],
    },
    { text: '[Service]\nExecStart = /bin/a\n', key: 'ExecStart', values: ['/bin/a'] },
    {
      text: '[Service]\nAfter=a.target\nAfter=b.target c.target\n',
      key: 'After',
      values: ['a.target', 'b.target c.target'],
    },
    {
      text: '[Service]\nEnvironment=A=1\nEnvironment=\nEnvironment=B=2\n',
      key: 'Environment',
      values: ['B=2'],
    },
    { text: '[Service]\nUser=a\nUser=\n', key: 'User', values: [] },
    { text: '[Service]\nthis line has no equals sign\nUser=a\n', key: 'User', values: ['a'], problems: 1 },
    { text: '[Service]\r\nUser=a\r\n', key: 'User', values: ['a'] },
  ];
  for (const c of cases) {
    const unit = parseUnitFile(c.text);
    assert.deepEqual(unitValues(unit, 'Service', c.key), c.values, JSON.stringify(c.text));
    assert.equal(unit.problems.length, c.problems ?? 0, JSON.stringify(c.text));
  }
});

test('`systemctl cat`: the pasted prompt is skipped, repeated keys accumulate', () => {
  const ssh = parseSystemctlCat(fixture('ssh.systemctl-cat.txt'));
  assert.deepEqual(ssh.files, ['/lib/systemd/system/ssh.service']);
  assert.deepEqual(unitValues(ssh, 'Service', 'ExecReload'), [
    '/usr/sbin/sshd -t',
    '/bin/kill -HUP $MAINPID',
  ]);
  assert.equal(unitValue(ssh, 'Service', 'EnvironmentFile'), '-/etc/default/ssh');
  assert.deepEqual(unitEnvironmentFiles(ssh), [{ path: '/etc/default/ssh', optional: true }]);
  assert.equal(unitValue(ssh, 'Unit', 'ConditionPathExists'), '!/etc/ssh/sshd_not_to_be_run');
  assert.deepEqual(ssh.problems, []);
});

test('drop-ins apply after the unit: "ExecStart=" resets, a second ExecStart= accumulates', () => {
  const base = filesOfSystemctlCat(fixture('docker.systemctl-cat.txt'));
  assert.deepEqual(
    base.map((f) => f.path),
    ['/usr/lib/systemd/system/docker.service'],
  );
  const reset = parseUnitFiles([
    ...base,
    { path: '/etc/systemd/system/docker.service.d/override.conf', text: fixture('docker-override.conf') },
  ]);
  assert.deepEqual(unitValues(reset, 'Service', 'ExecStart'), ['/usr/bin/dockerd']);
  assert.equal(
    unitAssignment(reset, 'Service', 'ExecStart')?.file,
    '/etc/systemd/system/docker.service.d/override.conf',
  );
  assert.equal(unitValue(reset, 'Service', 'Type'), 'notify', 'what the drop-in does not touch stays');
  // systemd refuses this unit: "Service has more than one ExecStart= setting".
  const doubled = parseUnitFiles([
    ...base,
    {
      path: '/etc/systemd/system/docker.service.d/override.conf',
      text: fixture('docker-issue-14491-override.conf'),
    },
  ]);
  assert.deepEqual(unitValues(doubled, 'Service', 'ExecStart'), [
    '/usr/bin/dockerd -H fd://',
    '/usr/bin/docker -d -H fd:// --bip=172.17.42.1/16',
  ]);
});

test('`systemctl cat` with a drop-in, and a unit whose first line names its own path', () => {
  const flask = readFileSync(new URL('flaskapp.service', TESTBED), 'utf8');
  const cat = [
    '# /etc/systemd/system/flaskapp.service',
    flask,
    '# /etc/systemd/system/flaskapp.service.d/override.conf',
    fixture('docker-override.conf').replace(/dockerd/g, 'true'),
  ].join('\n');
  const unit = parseSystemctlCat(cat);
  assert.deepEqual(unit.files, [
    '/etc/systemd/system/flaskapp.service',
    '/etc/systemd/system/flaskapp.service.d/override.conf',
  ]);
  assert.deepEqual(unitValues(unit, 'Service', 'ExecStart'), ['/usr/bin/true']);
  assert.equal(unitValue(unit, 'Service', 'EnvironmentFile'), '/srv/flaskapp/.env');
  // Public units often start with their path as a comment; under the header it is not a second file.
  const selfNamed = parseSystemctlCat(
    '# /etc/systemd/system/gunicorn.service\n# /etc/systemd/system/gunicorn.service\n[Unit]\nDescription=gunicorn daemon\n',
  );
  assert.deepEqual(selfNamed.files, ['/etc/systemd/system/gunicorn.service']);
  assert.equal(unitValue(selfNamed, 'Unit', 'Description'), 'gunicorn daemon');
});

test('ExecStart quoting and prefixes, as systemd splits them', () => {
  const valid: { line: string; prefixes?: string; path?: string; argv: string[] }[] = [
    {
      line: '/usr/bin/gunicorn -b unix:/run/x.sock app:app',
      argv: ['/usr/bin/gunicorn', '-b', 'unix:/run/x.sock', 'app:app'],
    },
    { line: '-/usr/bin/true', prefixes: '-', argv: ['/usr/bin/true'] },
    { line: '+/usr/bin/id', prefixes: '+', argv: ['/usr/bin/id'] },
    { line: '!!/usr/bin/id', prefixes: '!!', argv: ['/usr/bin/id'] },
    {
      line: '-@/bin/sh gunicorn-master -c "exec x"',
      prefixes: '-@',
      path: '/bin/sh',
      argv: ['gunicorn-master', '-c', 'exec x'],
    },
    { line: `/bin/sh -c 'echo "a b"'`, argv: ['/bin/sh', '-c', 'echo "a b"'] },
    { line: '/bin/echo "a\\"b" c\\ d', argv: ['/bin/echo', 'a"b', 'c d'] },
    { line: '/usr/bin/printf "%%s\\n" x', argv: ['/usr/bin/printf', '%s\n', 'x'] },
    { line: '/bin/echo pre"fix suf"fix \'\'', argv: ['/bin/echo', 'prefix suffix', ''] },
    { line: '/usr/sbin/sshd -D $SSHD_OPTS', argv: ['/usr/sbin/sshd', '-D', '$SSHD_OPTS'] },
    { line: '/bin/echo \\x41\\101\\t', argv: ['/bin/echo', 'AA\t'] },
  ];
  for (const c of valid) {
    const command = splitCommandLine(c.line);
    assert.ok(command, c.line);
    assert.equal(command.prefixes, c.prefixes ?? '', c.line);
    assert.equal(command.path, c.path ?? c.argv[0], c.line);
    assert.deepEqual(command.argv, c.argv, c.line);
  }
  for (const invalid of ['', '   ', '-', '/bin/echo "never closed'])
    assert.equal(splitCommandLine(invalid), null, invalid);
});

test('`systemctl show` of a real unit: numbers, timestamps, commands, unset values', () => {
  const ddclient = parseShow(fixture('ddclient.systemctl-show.txt'));
  assert.equal(showNumber(ddclient, 'MainPID'), 473);
  assert.equal(showNumber(ddclient, 'UID'), null, '[not set]');
  assert.equal(showTimestamp(ddclient, 'ExecMainStartTimestamp'), '2020-05-05T09:07:40.000Z');
  assert.equal(showBytes(ddclient, 'MemoryCurrent'), null);
  assert.equal(showSeconds(ddclient, 'TimeoutStartUSec'), 90);
  assert.equal(showSeconds(ddclient, 'RestartUSec'), 0.1);
  assert.equal(showSeconds(ddclient, 'RuntimeMaxUSec'), null, 'infinity');
  assert.equal(showBoolean(ddclient, 'RemainAfterExit'), false);
  assert.equal(showValue(ddclient, 'EffectiveCPUs'), '');
  const expected: ExecCommand = {
    path: '/usr/bin/ddclient',
    argv: ['/usr/bin/ddclient'],
    ignoreErrors: false,
    flags: [],
    startTime: null,
    stopTime: null,
    pid: null,
    code: null,
    status: '0/0',
  };
  assert.deepEqual(showExecCommands(ddclient, 'ExecStart'), [expected]);
  assert.deepEqual(showExecCommands(ddclient, 'ExecStartEx'), [expected]);
  const ssh = parseShow(fixture('ssh.systemctl-show.txt'));
  assert.equal(showNumber(ssh, 'NRestarts'), 5);
  assert.equal(showValue(ssh, 'Result'), 'exit-code');
  assert.equal(showNumber(ssh, 'MainPID'), 0);
});

test('show timestamps to ISO: zone names with a known offset, numeric offsets, fractions', () => {
  const valid: [string, string][] = [
    ['Sat 2026-11-21 20:36:01 UTC', '2026-11-21T20:36:01.000Z'],
    ['Wed 2026-07-29 06:52:50 CEST', '2026-07-29T04:52:50.000Z'],
    ['Sun 2026-09-13 13:58:00 +05', '2026-09-13T08:58:00.000Z'],
    ['Tue 2022-11-29 22:52:18 -01', '2022-11-29T23:52:18.000Z'],
    ['Mon 2026-03-02 09:00:00 +0530', '2026-03-02T03:30:00.000Z'],
    ['Sat 2026-11-21 20:36:01.123456 UTC', '2026-11-21T20:36:01.123Z'],
    ['[Sat 2026-11-21 20:36:01 UTC]', '2026-11-21T20:36:01.000Z'],
  ];
  for (const [text, iso] of valid) assert.equal(parseShowTimestamp(text), iso, text);
  // IST is India, Ireland or Israel: without the offset the instant is unknown.
  for (const text of ['', 'n/a', '[n/a]', '[not set]', '0', 'Sat 2026-11-21 20:36:01 IST']) {
    assert.equal(parseShowTimestamp(text), null, text);
  }
});

test('Exec*= values: argv, start time, pid, several commands', () => {
  const value =
    '{ path=/srv/x/venv/bin/gunicorn ; argv[]=/srv/x/venv/bin/gunicorn -b unix:/run/x.sock app:app ; ignore_errors=no ; start_time=[Sat 2026-11-21 20:36:01 UTC] ; stop_time=[n/a] ; pid=1234 ; code=(null) ; status=0/0 }';
  assert.deepEqual(parseExecCommands(value), [
    {
      path: '/srv/x/venv/bin/gunicorn',
      argv: ['/srv/x/venv/bin/gunicorn', '-b', 'unix:/run/x.sock', 'app:app'],
      ignoreErrors: false,
      flags: [],
      startTime: '2026-11-21T20:36:01.000Z',
      stopTime: null,
      pid: 1234,
      code: null,
      status: '0/0',
    },
  ]);
  const props = parseShow(
    [
      'ExecStartPre={ path=/usr/bin/python3 ; argv[]=/usr/bin/python3 manage.py migrate ; ignore_errors=yes ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=exited ; status=1/FAILURE }',
      'ExecStartPre={ path=/usr/bin/python3 ; argv[]=/usr/bin/python3 manage.py collectstatic --noinput ; ignore_errors=no ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }',
      'ExecStartEx={ path=/bin/true ; argv[]=/bin/true ; flags=ignore-failure ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }',
    ].join('\n'),
  );
  const pre = showExecCommands(props, 'ExecStartPre');
  assert.deepEqual(
    pre.map((c) => [c.argv.slice(1).join(' '), c.ignoreErrors, c.code, c.status]),
    [
      ['manage.py migrate', true, 'exited', '1/FAILURE'],
      ['manage.py collectstatic --noinput', false, null, '0/0'],
    ],
  );
  assert.deepEqual(showExecCommands(props, 'ExecStartEx')[0]?.flags, ['ignore-failure']);
  assert.equal(showExecCommands(props, 'ExecStartEx')[0]?.ignoreErrors, true);
});

test('EnvironmentFiles=, Environment=, memory and several units in one output', () => {
  const props = parseShow(
    [
      'Environment=PYTHONUNBUFFERED=1 "GREETING=hello world" EMPTY= EQUALS=a=b=c "NEWLINE=a\\nb" "PRICE=\\$5"',
      'EnvironmentFiles=/srv/x/.env (ignore_errors=no)',
      'EnvironmentFiles=/etc/default/x (ignore_errors=yes)',
      'MemoryMax=infinity',
      'MemoryHigh=536870912',
      'MemoryCurrent=18446744073709551615',
    ].join('\n'),
  );
  assert.deepEqual(showEnvironment(props), [
    { name: 'PYTHONUNBUFFERED', value: '1' },
    { name: 'GREETING', value: 'hello world' },
    { name: 'EMPTY', value: '' },
    { name: 'EQUALS', value: 'a=b=c' },
    { name: 'NEWLINE', value: 'a\nb' },
    { name: 'PRICE', value: '$5' },
  ]);
  assert.deepEqual(showEnvironmentFiles(props), [
    { path: '/srv/x/.env', optional: false },
    { path: '/etc/default/x', optional: true },
  ]);
  assert.equal(showBytes(props, 'MemoryMax'), null);
  assert.equal(showBytes(props, 'MemoryHigh'), 536870912);
  assert.equal(showBytes(props, 'MemoryCurrent'), null, 'UINT64_MAX means unset');
  const oneLine = parseShow('EnvironmentFiles=/a b/.env (ignore_errors=no) /c/.env (ignore_errors=yes)');
  assert.deepEqual(showEnvironmentFiles(oneLine), [
    { path: '/a b/.env', optional: false },
    { path: '/c/.env', optional: true },
  ]);
  const units = parseShowUnits('Id=a.service\nMainPID=1\n\nId=b.service\nMainPID=2\n');
  assert.deepEqual(
    units.map((u) => [showValue(u, 'Id'), showNumber(u, 'MainPID')]),
    [
      ['a.service', 1],
      ['b.service', 2],
    ],
  );
});

interface UnitSummary {
  user?: string;
  group?: string;
  workingDirectory?: string;
  environmentFiles: { path: string; optional: boolean }[];
  environment: string[];
  restart?: string;
  runtimeDirectory?: string;
  execStart: string[];
}

function unitSummary(unit: SystemdUnit): UnitSummary {
  const out: UnitSummary = {
    environmentFiles: unitEnvironmentFiles(unit),
    environment: unitEnvironment(unit).map((v) => v.name),
    execStart: execStart(unitValue(unit, 'Service', 'ExecStart')).argv,
  };
  const set = (key: 'user' | 'group' | 'workingDirectory' | 'restart' | 'runtimeDirectory', name: string) => {
    const value = unitValue(unit, 'Service', name);
    if (value !== undefined) out[key] = value;
  };
  set('user', 'User');
  set('group', 'Group');
  set('workingDirectory', 'WorkingDirectory');
  set('restart', 'Restart');
  set('runtimeDirectory', 'RuntimeDirectory');
  return out;
}

test('public gunicorn, uvicorn, daphne and celery units: user, directories, environment, restart, argv', () => {
  const table: { fixture: string; unit: UnitSummary }[] = [
    {
      // Spaces around "=", a template's %i left for the instance.
      fixture: 'lyprox-gunicorn@.service',
      unit: {
        user: 'www-data',
        group: 'www-data',
        workingDirectory: '/srv/www/%i',
        environmentFiles: [{ path: '/srv/www/%i/.env', optional: false }],
        environment: [],
        execStart: ['/srv/www/%i/.venv/bin/python', '-m', 'gunicorn', '-c', '/srv/www/%i/gunicorn.conf.py'],
      },
    },
    {
      fixture: 'bastelfreak-gunicorn@.service',
      unit: {
        user: 'gunicorn',
        group: 'gunicorn',
        environmentFiles: [],
        environment: [],
        execStart: ['/usr/bin/gunicorn', '--config', '/etc/sysconfig/gunicorn/%i.conf', '%i'],
      },
    },
    {
      fixture: 'heytelepat-daphne.service',
      unit: {
        user: 'root',
        workingDirectory: '/home/tikhon/heytelepat-server',
        environmentFiles: [],
        environment: ['DJANGO_SETTINGS_MODULE'],
        restart: 'on-failure',
        execStart: [
          '/home/tikhon/heytelepat-server/env/bin/python',
          '/home/tikhon/heytelepat-server/env/bin/daphne',
          '-b',
          '0.0.0.0',
          '-p',
          '8001',
          'heytelepat.asgi:application',
        ],
      },
    },
    {
      // Its EnvironmentFile= is commented out.
      fixture: 'uvicorn-demo.service',
      unit: {
        workingDirectory: '/home/dev/workspace/example-pipeline/uvicorn-demo',
        environmentFiles: [],
        environment: [],
        restart: 'always',
        execStart: [
          '/bin/bash',
          '--login',
          '-c',
          '/usr/local/bin/uvicorn example:app --host 0.0.0.0 --port 5000',
        ],
      },
    },
    {
      // Each continued line keeps its indentation after the space that replaces the backslash.
      fixture: 'chemminetools-celery.service',
      unit: {
        user: 'www-data',
        group: 'www-data',
        workingDirectory: '/srv/chemminetools',
        environmentFiles: [{ path: '/etc/default/celeryd', optional: false }],
        environment: [],
        execStart: [
          '/bin/sh',
          '-c',
          '${CELERY_BIN} multi start ${CELERYD_NODES}    -A ${CELERY_APP} --pidfile=${CELERYD_PID_FILE}    ' +
            '--logfile=${CELERYD_LOG_FILE} --loglevel=${CELERYD_LOG_LEVEL} ${CELERYD_OPTS}',
        ],
      },
    },
    {
      // Comments between the assignments; values quoted because of their spaces.
      fixture: 'datenwerft-celery.service',
      unit: {
        user: 'wwwrun',
        group: 'www',
        workingDirectory: '/srv/www/htdocs/datenwerft/datenwerft',
        environmentFiles: [],
        environment: [
          'DJANGO_SETTINGS_MODULE',
          'CELERY_BIN',
          'CELERY_APP',
          'CELERYD_NODES',
          'CELERYD_OPTS',
          'CELERYD_PID_FILE',
          'CELERYD_LOG_FILE',
          'CELERYD_LOG_LEVEL',
        ],
        restart: 'always',
        execStart: [
          '/bin/sh',
          '-c',
          '${CELERY_BIN} -A $CELERY_APP multi start $CELERYD_NODES          --pidfile=${CELERYD_PID_FILE}' +
            '          --logfile=${CELERYD_LOG_FILE}          --loglevel="${CELERYD_LOG_LEVEL}" $CELERYD_OPTS',
        ],
      },
    },
    {
      fixture: 'lint-review-gunicorn.service',
      unit: {
        user: 'ubuntu',
        workingDirectory: '/home/ubuntu',
        environmentFiles: [{ path: '/etc/environment', optional: false }],
        environment: [],
        restart: 'on-failure',
        execStart: ['/usr/local/bin/gunicorn', '-c', '/home/ubuntu/settings.py', 'lintreview.web:app'],
      },
    },
    {
      fixture: 'idgo-mviewerstudio-gunicorn.service',
      unit: {
        user: 'www-data',
        group: 'www-data',
        workingDirectory: '/mviewerstudio_venv/',
        environmentFiles: [],
        environment: [],
        runtimeDirectory: 'gunicorn',
        execStart: [
          '/mviewerstudio_venv/bin/gunicorn',
          '--pid',
          '/run/gunicorn/pid',
          '-w',
          '4',
          '--bind',
          '127.0.0.1:8000',
          'mviewerstudio_cas.mviewerstudio_cas',
        ],
      },
    },
    {
      fixture: 'aleqsys-uvicorn.service',
      unit: {
        user: 'rovak',
        group: 'webgroup',
        workingDirectory: '/var/www/aleqsys.com/aleqsys_app',
        environmentFiles: [{ path: '/home/rovak/aleqsys_app/.env', optional: false }],
        environment: ['PATH', 'DJANGO_SETTINGS_MODULE'],
        restart: 'on-failure',
        runtimeDirectory: 'gunicorn',
        execStart: [
          '/var/www/aleqsys.com/.venv/bin/gunicorn',
          'aleqsys_app.asgi:application',
          '-k',
          'uvicorn.workers.UvicornWorker',
          '--workers',
          '3',
          '--bind',
          'unix:/run/gunicorn/gunicorn.sock',
          '--access-logfile',
          '/var/log/aleqsys/uvicorn-access.log',
          '--error-logfile',
          '/var/log/aleqsys/uvicorn-error.log',
          '--capture-output',
          '--enable-stdio-inheritance',
        ],
      },
    },
    {
      fixture: 'tms-backend-daphne.service',
      unit: {
        user: 'root',
        group: 'root',
        workingDirectory: '/root/Projects/tms-backend',
        environmentFiles: [],
        environment: ['DJANGO_SETTINGS_MODULE'],
        restart: 'always',
        execStart: [
          '/root/.virtualenvs/tms-backend/bin/daphne',
          '--bind',
          '0.0.0.0',
          '--port',
          '9000',
          '--verbosity',
          '0',
          'config.asgi:application',
        ],
      },
    },
    {
      fixture: 'documentrefinery-gunicorn.service',
      unit: {
        user: 'docling-svc',
        group: 'docling-svc',
        workingDirectory: '/var/www/document_refinery',
        environmentFiles: [{ path: '/var/www/document_refinery/.env', optional: false }],
        environment: [],
        restart: 'on-failure',
        execStart: [
          '/var/www/document_refinery/venv/bin/gunicorn',
          '--workers',
          '3',
          '--bind',
          'unix:/run/document_refinery.sock',
          'config.wsgi:application',
        ],
      },
    },
    {
      fixture: 'accessibilityhub-gunicorn.service',
      unit: {
        user: 'ubuntu',
        group: 'www-data',
        workingDirectory: '/home/ubuntu/AccessibilityHub/src/accessibilityHub',
        environmentFiles: [],
        environment: [],
        execStart: [
          '/home/ubuntu/AccessibilityHub/env/bin/gunicorn',
          '--access-logfile',
          '-',
          '--workers',
          '3',
          '--bind',
          'unix:/run/gunicorn.sock',
          'accessibilityHub.wsgi:application',
        ],
      },
    },
    {
      fixture: 'safefamily-gunicorn.service',
      unit: {
        user: 'myproject',
        group: 'myproject',
        workingDirectory: '/home/myproject/my_project',
        environmentFiles: [{ path: '/home/myproject/my_project/.env', optional: false }],
        environment: ['PATH'],
        restart: 'always',
        runtimeDirectory: 'gunicorn',
        execStart: [
          '/home/myproject/my_project/venv/bin/gunicorn',
          '-c',
          '/home/myproject/my_project/deploy/gunicorn/gunicorn_config.py',
          'my_project.wsgi:app',
        ],
      },
    },
    {
      fixture: 'netbox@.service',
      unit: {
        user: 'www-data',
        group: 'www-data',
        workingDirectory: '${WorkingDirectory}',
        environmentFiles: [{ path: '/etc/sysconfig/netbox.%i.env', optional: false }],
        environment: [],
        restart: 'on-failure',
        execStart: [
          '/usr/local/bin/gunicorn',
          '--config',
          '${ConfigPath}',
          '--pythonpath',
          '${WorkingDirectory}/netbox',
          'netbox.wsgi',
        ],
      },
    },
    {
      fixture: 'paperless-webserver.service',
      unit: {
        user: 'paperless',
        group: 'paperless',
        workingDirectory: '/opt/paperless/src',
        environmentFiles: [],
        environment: [],
        execStart: ['/opt/paperless/.local/bin/gunicorn', 'paperless.wsgi', '-w', '2', '-b', '0.0.0.0:8000'],
      },
    },
    {
      fixture: 'weblate-gunicorn.service',
      unit: {
        user: 'weblate',
        group: 'weblate',
        workingDirectory: '/home/weblate/weblate-env/',
        environmentFiles: [],
        environment: ['DJANGO_SETTINGS_MODULE'],
        execStart: [
          '/home/weblate/weblate-env/bin/gunicorn',
          '--preload',
          '--timeout',
          '3600',
          '--graceful-timeout',
          '3600',
          '--worker-class=gthread',
          '--workers=2',
          '--threads=16',
          '--bind',
          'unix:/run/gunicorn.sock',
          'weblate.wsgi:application',
        ],
      },
    },
  ];
  for (const { fixture: name, unit } of table) {
    const parsedUnit = parseUnitFile(fixture(name), name);
    assert.deepEqual(unitSummary(parsedUnit), unit, name);
    assert.deepEqual(parsedUnit.problems, [], name);
    assert.equal(unitValue(parsedUnit, 'Install', 'WantedBy'), 'multi-user.target', name);
  }
});

test('public units: ExecStartPre lists, a section header indented by a tab, specifiers in Environment=', () => {
  const lyprox = parseUnitFile(fixture('lyprox-gunicorn@.service'));
  assert.deepEqual(
    unitValues(lyprox, 'Service', 'ExecStartPre').map((v) => execStart(v).argv.slice(1).join(' ')),
    ['migrate --noinput', 'collectstatic --noinput', 'init_institutions', 'init_users', 'init_datasets'],
  );
  // "\t  [Install]" is still the [Install] section: systemd strips the line before reading it.
  const hub = parseUnitFile(fixture('accessibilityhub-gunicorn.service'));
  assert.deepEqual([...hub.sections.keys()], ['Unit', 'Service', 'Install']);
  const celery = parseUnitFile(fixture('datenwerft-celery.service'));
  const environment = Object.fromEntries(unitEnvironment(celery).map((v) => [v.name, v.value]));
  assert.equal(environment.CELERYD_OPTS, '--time-limit=300 --concurrency=8');
  assert.equal(environment.CELERYD_PID_FILE, '/var/run/celery/%n.pid');
  // systemd resolves %n in Environment= itself, to the unit's name: celery never sees its own %n.
  assert.equal(
    resolveSpecifiers(unitValues(celery, 'Service', 'Environment')[5] ?? '', { unit: 'celery.service' }),
    '"CELERYD_PID_FILE=/var/run/celery/celery.service.pid"',
  );
});

test('`systemctl cat` of a public unit and a public drop-in: the override replaces ExecStart only', () => {
  const unit = parseSystemctlCat(fixture('gunicorn.systemctl-cat.txt'));
  assert.deepEqual(unit.files, [
    '/etc/systemd/system/gunicorn.service',
    '/etc/systemd/system/gunicorn.service.d/override.conf',
  ]);
  assert.deepEqual(unit.problems, []);
  assert.deepEqual(unitSummary(unit), {
    user: 'docling-svc',
    group: 'docling-svc',
    workingDirectory: '/var/www/document_refinery',
    environmentFiles: [{ path: '/var/www/document_refinery/.env', optional: false }],
    environment: [],
    restart: 'on-failure',
    execStart: [
      '/home/dev1/pradeep-backend/venv/bin/gunicorn',
      'config.asgi:application',
      '-k',
      'uvicorn.workers.UvicornWorker',
      '-w',
      '4',
      '--bind',
      '0.0.0.0:8000',
    ],
  });
  assert.equal(unitValues(unit, 'Service', 'ExecStart').length, 1);
  assert.deepEqual(unitAssignment(unit, 'Service', 'ExecStart'), {
    section: 'Service',
    key: 'ExecStart',
    value:
      '/home/dev1/pradeep-backend/venv/bin/gunicorn config.asgi:application -k uvicorn.workers.UvicornWorker -w 4 --bind 0.0.0.0:8000',
    file: '/etc/systemd/system/gunicorn.service.d/override.conf',
    line: 6,
  });
});

test('EnvironmentFile= and Environment= of a unit: the "-" flag, resets, quoting, later values winning', () => {
  const unit = parseUnitFile(
    [
      '[Service]',
      'EnvironmentFile=/etc/default/app',
      'EnvironmentFile=-/srv/app/.env',
      'Environment="GREETING=hello world" DEBUG=0',
      'Environment=DEBUG=1 "BROKEN',
      'Environment=DEBUG=1',
    ].join('\n'),
  );
  assert.deepEqual(unitEnvironmentFiles(unit), [
    { path: '/etc/default/app', optional: false },
    { path: '/srv/app/.env', optional: true },
  ]);
  assert.deepEqual(unitEnvironment(unit), [
    { name: 'GREETING', value: 'hello world' },
    { name: 'DEBUG', value: '1' },
  ]);
  const reset = parseUnitFiles([
    { path: 'a.service', text: '[Service]\nEnvironmentFile=-/etc/default/a\nEnvironment=A=1\n' },
    {
      path: 'a.service.d/override.conf',
      text: '[Service]\nEnvironmentFile=\nEnvironment=\nEnvironment=B=2\n',
    },
  ]);
  assert.deepEqual(unitEnvironmentFiles(reset), []);
  assert.deepEqual(unitEnvironment(reset), [{ name: 'B', value: '2' }]);
});

test('netbox@.service with its environment file: ${VAR} expansion in ExecStart=, specifiers of the instance', () => {
  const unit = parseUnitFile(fixture('netbox@.service'));
  const env = Object.fromEntries(parseEnvFile(fixture('netbox.env')));
  const command = expandCommandLine(execStart(unitValue(unit, 'Service', 'ExecStart')), env);
  assert.deepEqual(command.argv, [
    '/usr/local/bin/gunicorn',
    '--config',
    '/usr/local/netbox/gunicorn.conf',
    '--pythonpath',
    '/usr/local/netbox//netbox',
    'netbox.wsgi',
  ]);
  assert.equal(
    resolveSpecifiers(unitEnvironmentFiles(unit)[0]?.path ?? '', { unit: 'netbox@prod.service' }),
    '/etc/sysconfig/netbox.prod.env',
  );
  const lyprox = parseUnitFile(fixture('lyprox-gunicorn@.service'));
  assert.equal(
    resolveSpecifiers(unitValue(lyprox, 'Service', 'WorkingDirectory') ?? '', {
      unit: 'gunicorn@lyprox.service',
    }),
    '/srv/www/lyprox',
  );
});

test('expandCommandLine and resolveSpecifiers follow systemd', () => {
  const env = { OPTS: '--workers 3  --timeout 30', BIND: '127.0.0.1:8000', EMPTY: '' };
  const cases: { line: string; argv: string[] }[] = [
    { line: '/bin/app $OPTS', argv: ['/bin/app', '--workers', '3', '--timeout', '30'] },
    { line: '/bin/app ${OPTS}', argv: ['/bin/app', '--workers 3  --timeout 30'] },
    { line: '/bin/app --bind=${BIND}', argv: ['/bin/app', '--bind=127.0.0.1:8000'] },
    { line: '/bin/app --bind=$BIND', argv: ['/bin/app', '--bind=$BIND'] },
    { line: '/bin/app $UNSET ${UNSET} x', argv: ['/bin/app', '', 'x'] },
    { line: '/bin/app $EMPTY', argv: ['/bin/app'] },
    { line: '/bin/app $$HOME $${HOME}', argv: ['/bin/app', '$HOME', '${HOME}'] },
    { line: ':/bin/app $OPTS', argv: ['/bin/app', '$OPTS'] },
    { line: '@/bin/app app $OPTS', argv: ['app', '--workers', '3', '--timeout', '30'] },
  ];
  for (const c of cases) assert.deepEqual(expandCommandLine(execStart(c.line), env).argv, c.argv, c.line);
  const specifiers: { value: string; unit: string; expected: string }[] = [
    { value: '%n %N %p %i', unit: 'app@blue.service', expected: 'app@blue.service app@blue app blue' },
    { value: '%I %f', unit: 'backup@srv-data\\x2dold.service', expected: 'srv/data-old /srv/data-old' },
    { value: '%j %t/%p.sock', unit: 'shop-api.service', expected: 'api /run/shop-api.sock' },
    { value: '%h/app %u 100%%', unit: 'app.service', expected: '%h/app %u 100%' },
  ];
  for (const s of specifiers) assert.equal(resolveSpecifiers(s.value, { unit: s.unit }), s.expected, s.value);
  assert.equal(
    resolveSpecifiers('%h/venv', { unit: 'a.service', home: '/home/deploy' }),
    '/home/deploy/venv',
  );
});

// Inputs found by the fuzz of the parsers (test/fuzz/parsers.fuzz.ts), shrunk.
test("hostile units: an escape past U+10FFFF, Object's names as variables, a continuation of many lines", () => {
  // RangeError: Invalid code point 1114112, from String.fromCodePoint
  assert.deepEqual(splitSystemdWords('\\U00110000 \\UFFFFFFFF \\U0001F600'), [
    '\\U00110000',
    '\\UFFFFFFFF',
    '\u{1F600}',
  ]);
  // TypeError: (env[lone[1]] ?? "").split is not a function: "$constructor" found Object's constructor
  const line = '/usr/bin/x $PORT $constructor $toString $__proto__ ${HOME} $$ ${hasOwnProperty}x';
  assert.deepEqual(expandCommandLine(execStart(line), { PORT: '8000' }).argv, [
    '/usr/bin/x',
    '8000',
    '',
    '$',
    'x',
  ]);
  assert.deepEqual(expandCommandLine(execStart('/bin/app $constructor'), { constructor: 'a b' }).argv, [
    '/bin/app',
    'a',
    'b',
  ]);
  // 20,000 lines of " \" took 6 s: the whole continuation was copied and scanned again at each line
  const start = performance.now();
  const unit = parseUnitFile(`[Service]\nExecStart=/bin/app \\\n${' \\\n'.repeat(20_000)}x\n`);
  assert.ok(performance.now() - start < 2000, 'a long continuation is read in linear time');
  assert.deepEqual(splitCommandLine(unitValue(unit, 'Service', 'ExecStart') ?? '')?.argv, ['/bin/app', 'x']);
  assert.equal(unit.sections.get('Service')?.get('ExecStart')?.[0]?.line, 2);
});

test('hostile `systemctl show`: a long EnvironmentFiles= line without its markers is read in linear time', () => {
  // "(ign(ign(ign…" made the path pattern try every start and end: seconds for a 64 KiB line
  const start = performance.now();
  const props = parseShow(`EnvironmentFiles=/srv/app/.env (ign${'(ign'.repeat(16_000)}`);
  assert.deepEqual(showEnvironmentFiles(props), []);
  assert.ok(performance.now() - start < 2000);
  assert.deepEqual(
    showEnvironmentFiles(
      parseShow('EnvironmentFiles=-/srv/a b.env (ignore_errors=yes)  /c (ignore_errors=no)'),
    ),
    [
      { path: '/srv/a b.env', optional: true },
      { path: '/c', optional: false },
    ],
  );
});
