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
  filesOfSystemctlCat,
  parseSystemctlCat,
  parseUnitFile,
  parseUnitFiles,
  splitCommandLine,
  splitSystemdWords,
  unitAssignment,
  unitValue,
  unitValues,
} from '../../src/systemd/unit.ts';

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
