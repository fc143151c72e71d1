// The unit's checks on real systemd values: `systemctl show` of the testbed's units (flaskapp crash-looping,
// fastapi healthy), `systemctl is-enabled`, /etc/passwd and /etc/group of a Debian server.
import { check as unitActive } from '../../../src/checks/unit_active.ts';
import { check as enabledOnBoot } from '../../../src/checks/unit_enabled_on_boot.ts';
import { check as envfileReadable } from '../../../src/checks/unit_envfile_readable.ts';
import { check as execExists } from '../../../src/checks/unit_exec_exists.ts';
import { check as restartPolicy } from '../../../src/checks/unit_restart_policy.ts';
import { check as userExists } from '../../../src/checks/unit_user_exists.ts';
import { check as workdirExists } from '../../../src/checks/unit_workdir_exists.ts';
import { parseShow } from '../../../src/systemd/show.ts';
import { execStart, ruleTester } from './tester.ts';

const show = (text: string) => parseShow(text.replace(/^\s+/gm, ''));
const flaskapp = { unit: 'flaskapp.service', name: 'flaskapp' };

ruleTester(unitActive, {
  valid: [
    {
      when: 'the unit is active (running) and never restarted',
      facts: {
        service: {
          ...flaskapp,
          show: show(`ActiveState=active
          SubState=running
          Result=success
          NRestarts=0
          ActiveEnterTimestamp=Sun 2026-11-22 00:42:31 UTC`),
        },
      },
      says: /active \(running\) since Sun 2026-11-22 00:42:31 UTC/,
    },
  ],
  invalid: [
    {
      when: 'systemd is between two restarts of a crash loop',
      facts: {
        service: {
          ...flaskapp,
          show: show(`ActiveState=activating
          SubState=auto-restart
          Result=exit-code
          NRestarts=5`),
        },
      },
      status: 'fail',
      says: /flaskapp.service is activating \(auto-restart\), result exit-code, 5 restarts/,
      fix: /medic diagnose flaskapp/,
    },
    {
      when: 'systemd gave up: the start limit was hit',
      facts: {
        service: {
          ...flaskapp,
          show: show('ActiveState=failed\nSubState=failed\nResult=start-limit-hit\nNRestarts=5'),
        },
      },
      status: 'fail',
      says: /failed \(failed\), result start-limit-hit/,
    },
    {
      when: 'it runs now but systemd restarted it 3 times',
      facts: {
        service: {
          ...flaskapp,
          show: show(
            'ActiveState=active\nSubState=running\nNRestarts=3\nActiveEnterTimestamp=Sun 2026-11-22 00:42:37 UTC',
          ),
        },
      },
      status: 'warn',
      says: /running, after 3 restarts by systemd/,
    },
  ],
});

ruleTester(enabledOnBoot, {
  valid: [
    { when: 'systemctl is-enabled says enabled', facts: { service: flaskapp, state: 'enabled' } },
    { when: 'the unit is static (started by another unit)', facts: { service: flaskapp, state: 'static' } },
  ],
  invalid: [
    {
      when: 'the unit is disabled: it will not come back after a reboot',
      facts: { service: flaskapp, state: 'disabled' },
      status: 'fail',
      says: /disabled: it will not start after a reboot/,
      fix: /systemctl enable flaskapp.service/,
    },
    {
      when: 'the unit is masked',
      facts: { service: flaskapp, state: 'masked' },
      status: 'fail',
      fix: /systemctl unmask flaskapp.service/,
      says: /masked/,
    },
    {
      when: 'systemctl cannot say (no such unit file)',
      facts: {
        service: flaskapp,
        state: 'Failed to get unit file state for flaskapp.service: No such file or directory',
      },
      status: 'warn',
      says: /No such file or directory/,
    },
  ],
});

ruleTester(restartPolicy, {
  valid: [
    {
      when: 'Restart=on-failure with RestartSec=2',
      facts: { service: { unit: 'flaskapp.service', show: show('Restart=on-failure\nRestartUSec=2s') } },
      says: /Restart=on-failure, RestartSec=2s/,
    },
  ],
  invalid: [
    {
      when: 'Restart=no, the default: one crash leaves the site down',
      facts: { service: { unit: 'flaskapp.service', show: show('Restart=no\nRestartUSec=100ms') } },
      status: 'fail',
      says: /Restart=no: a crash leaves flaskapp.service down/,
      fix: /Restart=always and RestartSec=2/,
    },
    {
      when: 'Restart=on-abort: an exit with code 1 is not restarted',
      facts: { service: { unit: 'flaskapp.service', show: show('Restart=on-abort\nRestartUSec=2s') } },
      status: 'warn',
      says: /ordinary crash/,
    },
    {
      when: "Restart=always with systemd's 100 ms RestartSec: a crash loop hits the start limit at once",
      facts: { service: { unit: 'flaskapp.service', show: show('Restart=always\nRestartUSec=100ms') } },
      status: 'warn',
      says: /RestartSec=100ms/,
    },
  ],
});

const gunicornExec = execStart('/srv/flaskapp/venv/bin/gunicorn wsgi:app');
const execService = { exec: gunicornExec, venv: '/srv/flaskapp/venv', unit: 'flaskapp.service' };
const script = { kind: 'file' as const, mode: 0o755, uid: 0, gid: 0 };

ruleTester(execExists, {
  valid: [
    {
      when: 'the console script exists and its #! Python exists',
      facts: {
        service: execService,
        exec: script,
        shebang: '/srv/flaskapp/venv/bin/python3',
        shebangExists: true,
      },
      says: /exists \(runs \/srv\/flaskapp\/venv\/bin\/python3\)/,
    },
  ],
  invalid: [
    {
      when: 'the virtualenv was rebuilt elsewhere and ExecStart names a missing file (203/EXEC)',
      facts: { service: execService, exec: null, shebang: undefined, shebangExists: false },
      status: 'fail',
      says: /\/srv\/flaskapp\/venv\/bin\/gunicorn does not exist/,
      fix: /ls \/srv\/flaskapp\/venv\/bin\//,
    },
    {
      when: 'the file lost its executable bit',
      facts: {
        service: execService,
        exec: { ...script, mode: 0o644 },
        shebang: undefined,
        shebangExists: false,
      },
      status: 'fail',
      says: /not an executable file/,
      fix: /chmod 755/,
    },
    {
      when: "the script's #! names the Python of a venv that was moved away",
      facts: {
        service: execService,
        exec: script,
        shebang: '/home/deploy/old-venv/bin/python3',
        shebangExists: false,
      },
      status: 'fail',
      says: /runs \/home\/deploy\/old-venv\/bin\/python3, which does not exist/,
    },
  ],
  skipped: [
    {
      when: 'the unit has no ExecStart=',
      facts: {
        service: { ...execService, exec: null },
        exec: null,
        shebang: undefined,
        shebangExists: false,
      },
    },
  ],
});

const dir = { kind: 'directory' as const, mode: 0o755, uid: 33, gid: 33 };
ruleTester(workdirExists, {
  valid: [
    {
      when: 'WorkingDirectory= exists',
      facts: { service: { workdir: '/srv/flaskapp', unit: 'flaskapp.service' }, workdir: dir },
    },
  ],
  invalid: [
    {
      when: 'the release directory a deploy should have made is missing (200/CHDIR)',
      facts: { service: { workdir: '/srv/flaskapp/current', unit: 'flaskapp.service' }, workdir: null },
      status: 'fail',
      says: /\/srv\/flaskapp\/current does not exist/,
      fix: /ls -l \/srv\/flaskapp/,
    },
    {
      when: 'WorkingDirectory= is a file',
      facts: {
        service: { workdir: '/srv/flaskapp', unit: 'flaskapp.service' },
        workdir: { ...dir, kind: 'file' },
      },
      status: 'fail',
      says: /not a directory/,
    },
    {
      when: 'the unit sets no WorkingDirectory=: the app starts in /',
      facts: { service: { workdir: null, unit: 'flaskapp.service' }, workdir: null },
      status: 'warn',
      says: /sets no WorkingDirectory=/,
    },
  ],
});

// /etc/passwd and /etc/group of a Debian 12 server with a www-data user and no "flask" user
const passwd =
  'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\npostgres:x:104:111:PostgreSQL administrator,,,:/var/lib/postgresql:/bin/bash\n';
const group = 'root:x:0:\ndaemon:x:1:\nwww-data:x:33:\npostgres:x:111:\nssl-cert:x:110:postgres\n';
const runsAs = (user: string, grp: string, extra = '') => ({
  service: { user, group: grp, unit: 'flaskapp.service', show: show(`User=${user}\n${extra}`) },
  passwd,
  group,
});

ruleTester(userExists, {
  valid: [
    {
      when: 'User= and Group= exist',
      facts: runsAs('www-data', 'www-data'),
      says: /runs as www-data:www-data/,
    },
    { when: 'DynamicUser=yes: systemd makes the user', facts: runsAs('flask', 'flask', 'DynamicUser=yes') },
  ],
  invalid: [
    {
      when: 'the unit file came from a server with a "flask" user (217/USER)',
      facts: runsAs('flask', 'flask'),
      status: 'fail',
      says: /user flask does not exist, group flask does not exist/,
      fix: /useradd --system --no-create-home --shell \/usr\/sbin\/nologin flask/,
    },
    {
      when: 'the user exists and the group does not (216/GROUP)',
      facts: runsAs('www-data', 'webapps'),
      status: 'fail',
      says: /^group webapps does not exist$/,
      fix: /groupadd --system webapps/,
    },
  ],
});

const envFile = (path: string, optional = false) => ({ path, optional });
const envService = (files: { path: string; optional: boolean }[]) => ({
  envFiles: files,
  unit: 'flaskapp.service',
  user: 'www-data',
  group: 'www-data',
});
const file = (mode: number) => ({ kind: 'file' as const, mode, uid: 0, gid: 33 });

ruleTester(envfileReadable, {
  valid: [
    {
      when: 'the env file is 640 root:www-data and the service user can read it',
      facts: {
        service: envService([envFile('/etc/flaskapp.env')]),
        files: { '/etc/flaskapp.env': { stat: file(0o640), userCanRead: true } },
      },
      says: /\/etc\/flaskapp.env readable by www-data/,
    },
    {
      when: 'an optional file (EnvironmentFile=-…) is missing',
      facts: {
        service: envService([envFile('/etc/flaskapp.env'), envFile('/etc/flaskapp.local.env', true)]),
        files: {
          '/etc/flaskapp.env': { stat: file(0o640), userCanRead: true },
          '/etc/flaskapp.local.env': { stat: null, userCanRead: null },
        },
      },
    },
  ],
  invalid: [
    {
      when: 'the env file was renamed: systemd will not start the unit',
      facts: {
        service: envService([envFile('/etc/flaskapp.env')]),
        files: { '/etc/flaskapp.env': { stat: null, userCanRead: null } },
      },
      status: 'fail',
      says: /\/etc\/flaskapp.env missing: systemd will not start flaskapp.service/,
    },
    {
      when: 'the file is 600 root:root: systemd reads it, manage.py as www-data cannot',
      facts: {
        service: envService([envFile('/etc/flaskapp.env')]),
        files: { '/etc/flaskapp.env': { stat: file(0o600), userCanRead: false } },
      },
      status: 'fail',
      says: /www-data cannot read \/etc\/flaskapp.env/,
      fix: /chgrp www-data \/etc\/flaskapp.env && chmod 640/,
    },
    {
      when: 'every user on the server can read the secrets (644)',
      facts: {
        service: envService([envFile('/etc/flaskapp.env')]),
        files: { '/etc/flaskapp.env': { stat: file(0o644), userCanRead: true } },
      },
      status: 'warn',
      says: /mode 644/,
      fix: /chmod o-rwx/,
    },
  ],
  skipped: [{ when: 'the unit has no EnvironmentFile=', facts: { service: envService([]), files: {} } }],
});
