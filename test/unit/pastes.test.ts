// What the way a log was pasted does to it, and what medic makes of it: a line wrapped by a terminal, a
// traceback indented whole, a log view that lists the newest line first, a lone refusal of Nginx. The lines
// are real ones, cut from the public threads named beside them; the near misses are the same lines changed
// in the one way that must change the answer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diagnoseText } from '../../src/diagnose/offline.ts';
import { newestFirst } from '../../src/logs/order.ts';

const env = { year: 2026 };

// testdrivenio/django-on-docker-letsencrypt#7: Nginx's line as copied from a narrow terminal.
const wrappedNginx = [
  'nginx-proxy                | nginx.1    | 2020/12/28 05:12:52 [error] 88#88: *1 open()',
  ' "/usr/src/app/static/js/front.js" failed (2: No such file or directory), client: 66666ip, ',
  'server: domain.xyz, request: "GET /staticfiles/js/front.js HTTP/2.0", host: "domain.xyz", ',
  'referrer: "https://domain.xyz/"',
].join('\n');

test('an Nginx line wrapped by the terminal is read whole: the static file it could not open', () => {
  const d = diagnoseText(wrappedNginx, 'paste');
  assert.equal(d.cause?.id, 'static_files_missing');
  assert.match(
    d.firstFatal?.line ?? '',
    /open\(\) "\/usr\/src\/app\/static\/js\/front\.js" failed .*request: "GET/,
  );
  assert.equal(d.firstFatal?.at, 'paste:1', 'cited at the line it starts on');
});

test('near miss: a whole Nginx line is not glued to the bare line after it', () => {
  const d = diagnoseText(
    [
      '2020/12/28 05:12:52 [error] 88#88: *1 open() "/usr/src/app/static/js/front.js" failed (2: No such file or directory), client: 10.0.0.1, server: domain.xyz, request: "GET /staticfiles/js/front.js HTTP/2.0", host: "domain.xyz"',
      'KeyError: SECRET_KEY',
    ].join('\n'),
    'paste',
  );
  assert.doesNotMatch(d.firstFatal?.line ?? '', /KeyError/);
  assert.equal(d.cause?.id, 'static_files_missing');
});

// PnX-SI/GeoNature#2987, after a Debian upgrade: the paste indents every line of the traceback.
const indented = [
  ' File "/home/geonatadmin/geonature/backend/venv/bin/gunicorn", line 5, in <module>',
  '  from gunicorn.app.wsgiapp import run',
  "  ModuleNotFoundError: No module named 'gunicorn'",
].join('\n');

test('a traceback indented whole still ends in its exception line', () => {
  const d = diagnoseText(indented, 'paste');
  assert.equal(d.firstFatal?.line, "ModuleNotFoundError: No module named 'gunicorn'");
  assert.equal(d.cause?.id, 'missing_dependency');
});

test("near miss: a frame's source line that is indented deeper is code, not the error", () => {
  const d = diagnoseText(
    [
      'Traceback (most recent call last):',
      '  File "/srv/app/app/settings.py", line 3, in <module>',
      '    SECRET_KEY = os.environ["SECRET_KEY"]',
      "KeyError: 'SECRET_KEY'",
    ].join('\n'),
    'paste',
  );
  assert.equal(d.firstFatal?.line, "KeyError: 'SECRET_KEY'");
  assert.equal(d.cause?.id, 'missing_env_var');
});

// TandoorRecipes/recipes#427: a container's log from Synology's Docker view, newest line first.
const newest = [
  'date | stream | content',
  '-- | -- | --',
  '2021-02-22 16:29:53 | stderr | [2021-02-22 16:29:53 +0000] [1] [INFO] Starting gunicorn 20.0.4',
  '2021-02-22 16:29:46 | stdout | js-reverse file written to /opt/recipes/cookbook/static/django_js_reverse',
  '2021-02-22 16:29:44 | stderr | TCP/IP connections on port 5432?',
  '2021-02-22 16:29:44 | stderr | Is the server running on host "db_recipes" (192.168.96.2) and accepting',
  '2021-02-22 16:29:44 | stderr | django.db.utils.OperationalError: could not connect to server: Operation timed out',
  '2021-02-22 16:29:44 | stderr | conn = _connect(dsn, connection_factory=connection_factory, **kwasync)',
  '2021-02-22 16:29:43 | stderr | Traceback (most recent call last):',
].join('\n');

test('a log listed newest first is read oldest first: the timeout, not the hint after it', () => {
  assert.equal(newestFirst(newest.split('\n'), env), true);
  const d = diagnoseText(newest, 'paste');
  assert.equal(d.cause?.id, 'firewall_blocked');
  assert.match(
    d.firstFatal?.line ?? '',
    /OperationalError: could not connect to server: Operation timed out/,
  );
  assert.equal(d.firstFatal?.at, 'paste:7', "cited at the paste's own line");
});

test('near miss: a log whose times go back once (a clock set back, two inputs) is not turned over', () => {
  const lines = newest.split('\n').reverse();
  assert.equal(newestFirst(lines, env), false, 'oldest first');
  const once = [lines[2], lines[3], lines[0], lines[4]].map(String);
  assert.equal(newestFirst(once, env), false);
});

test("Sentry's own word that no worker checks in is a worker down", () => {
  // script3r/sentry-k8s#1: the banner every page of Sentry shows
  const d = diagnoseText(
    "Background workers haven't checked in recently. This is likely an issue with your configuration or the workers aren't running.",
    'paste',
  );
  assert.equal(d.cause?.id, 'worker_down');
});

// sladkovm/docker-flask-gunicorn-nginx#4: the app had crashed; Nginx's line is all the paste holds.
const lonely =
  '2020/04/20 14:59:27 [error] 8#8: *5 connect() failed (111: Connection refused) while connecting to upstream, client: 37.112.0.151, server: docker_flask_gunicorn_nginx, request: "GET / HTTP/1.1", upstream: "http://172.18.0.2:8000/", host: "139.162.133.232"';

test('a lone refusal of Nginx is no proof of a port mismatch: unknown, with both stories and where to look', () => {
  const d = diagnoseText(lonely, 'paste');
  assert.equal(d.cause?.id, 'unknown');
  assert.match(d.firstFatal?.line ?? '', /connect\(\) failed \(111: Connection refused\)/);
  assert.ok(d.cause?.evidence.some((e) => /not running there .* or Nginx points at the wrong port/.test(e)));
  assert.ok(d.cause?.fix.some((f) => f.startsWith("ss -ltnxp | grep -F ':8000'")));
});

test("near miss: a refusal beside the app's own bind, a socket of another name, is a mismatch", () => {
  const d = diagnoseText(
    [
      '[2020-12-28 13:45:00 +0000] [612] [INFO] Listening at: unix:/home/pi/dashboard/www/dashweb.sock (612)',
      '2020/12/28 13:46:04 [crit] 613#613: *1 connect() to unix:/home/pi/dashboard/www/Dashweb.sock failed (2: No such file or directory) while connecting to upstream, client: 192.168.1.5, server: _, request: "GET / HTTP/1.1", upstream: "http://unix:/home/pi/dashboard/www/Dashweb.sock:/", host: "pi"',
    ].join('\n'),
    'paste',
  );
  assert.equal(d.cause?.id, 'upstream_mismatch');
});

test("live: a logged 13 on the socket that medic, as Nginx's user, now opens is not the cause", async () => {
  const { EvidenceCollector } = await import('../../src/diagnose/collect.ts');
  const { decide } = await import('../../src/diagnose/decide.ts');
  const { NO_TARGET } = await import('../../src/diagnose/offline.ts');
  // the testbed's flaskapp SIGKILLed: systemd's words, then Nginx's while the new Gunicorn made its socket
  const lines = [
    'Dec 02 01:50:05.101204 web1 systemd[1]: flaskapp.service: Main process exited, code=killed, status=9/KILL',
    "Dec 02 01:50:05.102311 web1 systemd[1]: flaskapp.service: Failed with result 'signal'.",
    '2026/12/02 01:50:05 [crit] 71#71: *88 connect() to unix:/run/flaskapp/gunicorn.sock failed (13: Permission denied) while connecting to upstream, client: 127.0.0.1, server: flask.medic.test, request: "GET /health HTTP/1.1", upstream: "http://unix:/run/flaskapp/gunicorn.sock:/health", host: "flask.medic.test"',
  ];
  const socket = { kind: 'unix' as const, path: '/run/flaskapp/gunicorn.sock' };
  const diagnose = (result: string) => {
    const collector = new EvidenceCollector();
    lines.forEach((l, i) =>
      collector.pushLine(l, i + 1, i < 2 ? 'journal' : '/var/log/nginx/error.log', env),
    );
    collector.finish();
    return decide({
      evidence: {
        ...collector.evidence(),
        // (the kernel's log was read and holds no OOM kill)
        kernelLogRead: true,
        probes: { upstream: { target: socket, result, listeners: [] } },
        target: { ...NO_TARGET, unit: 'flaskapp.service' },
      },
      timeline: collector.timeline(),
      routes: collector.routes,
      unclaimed: collector.unclaimed,
      probedLayers: null,
      changes: [],
      mode: 'live',
      inputs: ['journal', '/var/log/nginx/error.log'],
    });
  };
  assert.equal(diagnose('ok').cause?.id, 'killed_by_signal');
  // near miss: medic, as Nginx's user, is denied too: the permission is the problem
  assert.equal(diagnose('permission').cause?.id, 'socket_permission');
});

test('docker logs of a container that ran well, then crash-looped: the traceback is the cause, not the start-up warning', async () => {
  // `docker logs -t` of the testbed's web under docker_volume_unwritable: a WARNING at its first, healthy
  // start (the database was still starting), minutes of 200s, then a PermissionError at every start
  const { readFileSync } = await import('node:fs');
  const text = readFileSync(
    new URL('../fixtures/docker/volume-unwritable.docker-logs.txt', import.meta.url),
    'utf8',
  );
  const d = diagnoseText(text, 'docker logs');
  assert.equal(d.cause?.id, 'file_permission');
  assert.match(
    d.firstFatal?.line ?? '',
    /PermissionError: \[Errno 13\] Permission denied: '\/app\/logs\/app\.log'/,
  );
  // near miss: the same warning alone, with nothing after it, is still what medic names
  const warningOnly = text.split('\n').slice(0, 12).join('\n');
  assert.equal(diagnoseText(warningOnly, 'docker logs').cause?.id, 'db_unreachable');
});
