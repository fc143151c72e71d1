// Where the app listens: /proc/net/tcp and /proc/net/unix lines with the owners /proc/PID/fd gives them, the
// testbed's binds (flaskapp on a unix socket, fastapi on 127.0.0.1:8000, djangoapp on 127.0.0.1:8001) and
// its scenarios (port_in_use, bind_public, socket_dir_missing).
import { check as appListening } from '../../../src/checks/net_app_listening.ts';
import { check as bindAddress } from '../../../src/checks/net_bind_address.ts';
import { check as portConflict } from '../../../src/checks/net_port_conflict.ts';
import { check as socketDir } from '../../../src/checks/fs_socket_dir.ts';
import type { AppServer } from '../../../src/app/server.ts';
import { parseProcNetTcp, parseProcNetUnix, type Listener } from '../../../src/host/listeners.ts';
import { parseShow } from '../../../src/systemd/show.ts';
import { bind, siteOf } from './testbed.ts';
import { ruleTester } from './tester.ts';

type Owner = { pid: number; command: string; cmdline: string };
const GUNICORN: Owner = {
  pid: 85,
  command: 'gunicorn',
  cmdline:
    '/srv/flaskapp/.venv/bin/python3 /srv/flaskapp/.venv/bin/gunicorn --workers 2 --timeout 10 --bind unix:/run/flaskapp/gunicorn.sock --access-logfile - wsgi:app',
};
const UVICORN: Owner = {
  pid: 412,
  command: 'uvicorn',
  cmdline:
    '/srv/fastapi/.venv/bin/python3 /srv/fastapi/.venv/bin/uvicorn app.main:app --host 127.0.0.1 --port 8000 --proxy-headers',
};
// port_in_use: `systemd-run -p User=nobody python3 -m http.server 8000 --bind 127.0.0.1`
const SQUATTER: Owner = {
  pid: 2231,
  command: 'python3',
  cmdline: 'python3 -m http.server 8000 --bind 127.0.0.1',
};

/** A /proc/net/tcp line (little-endian host) and who holds the socket. */
const tcp = (line: string, owner?: Owner): Listener[] =>
  parseProcNetTcp(line, 'LE').map((l) => ({ ...l, ...owner }));
const unix = (line: string, owner?: Owner): Listener[] =>
  parseProcNetUnix(line).map((l) => ({ ...l, ...owner }));
const LINES = {
  local8000:
    '   2: 0100007F:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000    33        0 796091 1 0000000000000000 100 0 0 10 0',
  every8000:
    '   2: 00000000:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000    33        0 796091 1 0000000000000000 100 0 0 10 0',
  local8002:
    '   2: 0100007F:1F42 00000000:0000 0A 00000000:00000000 00:00000000 00000000    33        0 796091 1 0000000000000000 100 0 0 10 0',
  squatter8000:
    '   6: 0100007F:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000 65534        0 801115 1 0000000000000000 100 0 0 10 0',
  nginx80:
    '   0: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 21541 1 0000000000000000 100 0 0 10 0',
  sock: '0000000000000000: 00000002 00000000 00010000 0001 01 28461 /run/flaskapp/gunicorn.sock',
  pg: '0000000000000000: 00000002 00000000 00010000 0001 01 22105 /var/run/postgresql/.s.PGSQL.5432',
};

const fastapi = (...binds: string[]) => ({
  binds: binds.map(bind),
  server: { server: 'uvicorn', binds: binds.map(bind), argv: [] } as AppServer,
  unit: 'fastapi.service',
  name: 'fastapi',
});
const flaskapp = (path = '/run/flaskapp/gunicorn.sock') => ({
  binds: [bind(`unix:${path}`)],
  server: { server: 'gunicorn', binds: [bind(`unix:${path}`)], argv: [] } as AppServer,
  unit: 'flaskapp.service',
  name: 'flaskapp',
});

// ---- net.app_listening ---------------------------------------------------------------------------------

ruleTester(appListening, {
  valid: [
    {
      when: "Gunicorn's master holds flaskapp's unix socket",
      facts: {
        service: flaskapp(),
        listeners: [...unix(LINES.pg), ...unix(LINES.sock, GUNICORN), ...tcp(LINES.nginx80)],
        mainPid: 85,
        unitPids: [85, 98, 99],
      },
      says: /^listening on unix:\/run\/flaskapp\/gunicorn.sock$/,
    },
    {
      when: 'uvicorn listens on 127.0.0.1:8000',
      facts: {
        service: fastapi('127.0.0.1:8000'),
        listeners: tcp(LINES.local8000, UVICORN),
        mainPid: 412,
        unitPids: [412],
      },
    },
  ],
  invalid: [
    {
      when: 'the unit is active but listens nowhere (hung in its import)',
      facts: {
        service: fastapi('127.0.0.1:8000'),
        listeners: tcp(LINES.nginx80),
        mainPid: 412,
        unitPids: [412],
      },
      status: 'fail',
      says: /^fastapi.service does not listen on 127.0.0.1:8000$/,
      fix: /^medic diagnose fastapi$/,
    },
    {
      when: 'another process holds the port and the unit has none (port_in_use)',
      facts: {
        service: fastapi('127.0.0.1:8000'),
        listeners: tcp(LINES.squatter8000, SQUATTER),
        mainPid: 0,
        unitPids: [],
      },
      status: 'fail',
      says: /does not listen on 127.0.0.1:8000/,
    },
    {
      when: 'the app listens on another port than the one configured',
      facts: {
        service: fastapi('127.0.0.1:8000'),
        listeners: tcp(LINES.local8002, UVICORN),
        mainPid: 412,
        unitPids: [412],
      },
      status: 'fail',
      says: /does not listen on 127.0.0.1:8000/,
    },
  ],
  skipped: [
    {
      when: 'the app takes its sockets from systemd (socket activation)',
      facts: {
        service: { ...fastapi(), server: { server: 'gunicorn', binds: [], fds: [3], argv: [] } as AppServer },
        listeners: null,
        mainPid: 0,
        unitPids: [],
      },
      says: /socket activation/,
    },
    { when: 'no bind was found', facts: { service: fastapi(), listeners: null, mainPid: 0, unitPids: [] } },
    {
      when: 'medic cannot read /proc/net',
      facts: { service: fastapi('127.0.0.1:8000'), listeners: null, mainPid: 412, unitPids: [412] },
    },
  ],
});

// ---- net.bind_address ----------------------------------------------------------------------------------

const djangoSite = siteOf('djangoapp').site;
const django = (text: string, site: typeof djangoSite | null = djangoSite) => ({
  binds: [bind(text)],
  site,
  server: {
    server: 'gunicorn',
    binds: [bind(text)],
    configFile: '/srv/djangoapp/gunicorn.conf.py',
    argv: [],
  } as AppServer,
  unit: 'djangoapp.service',
});

ruleTester(bindAddress, {
  valid: [
    {
      when: 'Gunicorn binds 127.0.0.1:8001 behind Nginx',
      facts: { service: django('127.0.0.1:8001') },
      says: /^127.0.0.1:8001: local only$/,
    },
    { when: 'it binds localhost:8001', facts: { service: django('localhost:8001') } },
    { when: 'it binds a unix socket', facts: { service: django('unix:/run/djangoapp/gunicorn.sock') } },
    {
      when: 'it binds 0.0.0.0:8000 with no Nginx in front: it serves clients itself',
      facts: { service: django('0.0.0.0:8000', null) },
      says: /no Nginx site in front/,
    },
  ],
  invalid: [
    {
      when: 'gunicorn.conf.py says bind = "0.0.0.0:8001" behind Nginx (bind_public)',
      facts: { service: django('0.0.0.0:8001') },
      status: 'fail',
      says: /^0.0.0.0:8001: reachable from other machines, around Nginx$/,
      fix: /change the bind to 127.0.0.1:8001 \(\/srv\/djangoapp\/gunicorn.conf.py\)[\s\S]*systemctl restart djangoapp.service/,
    },
    {
      when: 'it binds [::]:8001',
      facts: { service: django('[::]:8001') },
      status: 'fail',
      says: /\[::\]:8001: reachable/,
    },
    {
      when: "it binds the server's LAN address",
      facts: { service: django('10.0.2.15:8001') },
      status: 'fail',
      says: /10.0.2.15:8001: reachable/,
    },
  ],
  skipped: [{ when: 'no bind was found', facts: { service: { ...django('127.0.0.1:8001'), binds: [] } } }],
});

// ---- net.port_conflict ---------------------------------------------------------------------------------

ruleTester(portConflict, {
  valid: [
    {
      when: "only the unit's uvicorn holds 127.0.0.1:8000",
      facts: {
        service: fastapi('127.0.0.1:8000'),
        listeners: tcp(LINES.local8000, UVICORN),
        mainPid: 412,
        unitPids: [412],
      },
      says: /^127.0.0.1:8000 held by fastapi.service only$/,
    },
    {
      when: 'the app is down and nothing else holds its port',
      facts: { service: fastapi('127.0.0.1:8000'), listeners: tcp(LINES.nginx80), mainPid: 0, unitPids: [] },
    },
  ],
  invalid: [
    {
      when: 'python3 -m http.server holds 127.0.0.1:8000 (port_in_use)',
      facts: {
        service: fastapi('127.0.0.1:8000'),
        listeners: [...tcp(LINES.nginx80), ...tcp(LINES.squatter8000, SQUATTER)],
        mainPid: 0,
        unitPids: [],
      },
      status: 'fail',
      says: /^another process holds 127.0.0.1:8000$/,
      fix: /^kill 2231 /,
    },
    {
      when: 'a Gunicorn left from a manual start holds 0.0.0.0:8000, which takes 127.0.0.1:8000 too',
      facts: {
        service: fastapi('127.0.0.1:8000'),
        listeners: tcp(LINES.every8000, {
          pid: 3071,
          command: 'gunicorn',
          cmdline: 'gunicorn app.main:app -k uvicorn.workers.UvicornWorker',
        }),
        mainPid: 0,
        unitPids: [],
      },
      status: 'fail',
      says: /another process holds 127.0.0.1:8000/,
      fix: /kill 3071/,
    },
    {
      when: "another process holds the app's unix socket",
      facts: {
        service: flaskapp(),
        listeners: unix(LINES.sock, { ...GUNICORN, pid: 3080 }),
        mainPid: 85,
        unitPids: [85, 98],
      },
      status: 'fail',
      says: /another process holds unix:\/run\/flaskapp\/gunicorn.sock/,
    },
  ],
  skipped: [
    { when: 'no bind was found', facts: { service: fastapi(), listeners: null, mainPid: 0, unitPids: [] } },
    {
      when: 'medic cannot read /proc/net',
      facts: { service: fastapi('127.0.0.1:8000'), listeners: null, mainPid: 0, unitPids: [] },
    },
  ],
});

// ---- fs.socket_dir -------------------------------------------------------------------------------------

// `systemctl show flaskapp.service`: the testbed's unit has RuntimeDirectory=flaskapp; socket_dir_missing removes it
const socketService = (runtimeDirectory: string | null, path = '/run/flaskapp/gunicorn.sock') => ({
  binds: [bind(`unix:${path}`)],
  show: parseShow(
    runtimeDirectory === null
      ? 'RuntimeDirectoryMode=0755\n'
      : `RuntimeDirectory=${runtimeDirectory}\nRuntimeDirectoryMode=0755\n`,
  ),
  unit: 'flaskapp.service',
  name: 'flaskapp',
  user: 'www-data',
  group: 'www-data',
});
const dir = (exists: boolean, userCanCreate: boolean | null = exists ? true : null, tmpfiles = false) => ({
  exists,
  tmpfiles,
  userCanCreate,
});

ruleTester(socketDir, {
  valid: [
    {
      when: 'the socket is in /run/flaskapp, made by RuntimeDirectory=flaskapp',
      facts: { service: socketService('flaskapp'), dirs: { '/run/flaskapp': dir(true) } },
      says: /^bind unix:\/run\/flaskapp\/gunicorn.sock \(RuntimeDirectory=flaskapp\)$/,
    },
    {
      when: 'the /run directory comes from /etc/tmpfiles.d/flaskapp.conf',
      facts: { service: socketService(null), dirs: { '/run/flaskapp': dir(true, true, true) } },
    },
    {
      when: 'the socket is in a directory of the app, outside /run',
      facts: {
        service: socketService(null, '/srv/flaskapp/run/gunicorn.sock'),
        dirs: { '/srv/flaskapp/run': dir(true) },
      },
    },
  ],
  invalid: [
    {
      when: 'RuntimeDirectory= is gone and /run/flaskapp with it (socket_dir_missing)',
      facts: { service: socketService(null), dirs: { '/run/flaskapp': dir(false) } },
      status: 'fail',
      says: /^\/run\/flaskapp does not exist$/,
      fix: /systemctl edit flaskapp.service {4}# \[Service\] RuntimeDirectory=flaskapp/,
    },
    {
      when: '/run/flaskapp was made by hand: the next reboot empties /run',
      facts: { service: socketService(null), dirs: { '/run/flaskapp': dir(true) } },
      status: 'fail',
      says: /nothing recreates it after a reboot/,
      fix: /RuntimeDirectory=flaskapp/,
    },
    {
      when: 'a socket directory outside /run does not exist',
      facts: {
        service: socketService(null, '/srv/flaskapp/run/gunicorn.sock'),
        dirs: { '/srv/flaskapp/run': dir(false) },
      },
      status: 'fail',
      says: /\/srv\/flaskapp\/run does not exist/,
      fix: /install -d -o www-data -g www-data \/srv\/flaskapp\/run/,
    },
    {
      when: 'www-data cannot create files in the directory',
      facts: { service: socketService('flaskapp'), dirs: { '/run/flaskapp': dir(true, false) } },
      status: 'fail',
      says: /www-data cannot create files in \/run\/flaskapp/,
      fix: /chown www-data:www-data \/run\/flaskapp/,
    },
  ],
  skipped: [
    {
      when: 'the app binds a TCP port',
      facts: { service: { ...socketService('fastapi'), binds: [bind('127.0.0.1:8000')] }, dirs: {} },
    },
  ],
});
