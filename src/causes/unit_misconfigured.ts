import { type Cause, fromSignal, unitName } from './types.ts';

// systemd's own words when it cannot even start the process, and the exit statuses it uses for them.
const SPAWN = [
  { re: /Failed to locate executable (\S+): No such file or directory/, what: 'exec' },
  // (the same with "Permission denied" is the service user's access to the file: file_permission)
  { re: /Failed to execute (?:command|\S+): No such file or directory/, what: 'exec' },
  { re: /Failed at step EXEC spawning (\S+): No such file or directory/, what: 'exec' },
  { re: /Unable to locate executable '([^']+)'/, what: 'exec' },
  { re: /Failed at step CHDIR spawning \S+: No such file or directory/, what: 'workdir' },
  { re: /Changing to the requested working directory failed/, what: 'workdir' },
  { re: /Failed to determine user credentials: No such process/, what: 'user' },
  { re: /Failed at step USER spawning/, what: 'user' },
  { re: /Failed to load environment files: No such file or directory/, what: 'envfile' },
  { re: /Failed at step (?:EXEC|CHDIR|USER|GROUP|NAMESPACE|CREDENTIALS|STDOUT)/, what: 'spawn' },
  { re: /status=(20[03]|217|216|226|243)\/(EXEC|CHDIR|USER|GROUP|NAMESPACE|CREDENTIALS)/, what: 'status' },
  { re: /Executable path is not absolute, ignoring: (\S+)/, what: 'exec' },
  // Gunicorn gives up creating its unix socket: the directory is gone (/run is emptied at boot, no RuntimeDirectory=)
  { re: /Can't connect to (\/\S+)/, what: 'socketdir' },
  { re: /lacks both ExecStart= and ExecStop= setting|failed to load: Invalid argument/, what: 'unitfile' },
  {
    re: /has a bad unit file setting|Service has no ExecStart=|Missing '=', ignoring line|Unknown key name '([^']+)'/,
    what: 'unitfile',
  },
];

// systemd could not execute the binary as the service user: "Failed to execute command: Permission denied"
export const EXEC_DENIED =
  /(?:Failed to execute (?:command|\S+)|Failed at step EXEC spawning \S+|Failed to locate executable \S+|Unable to locate executable '[^']+'): Permission denied/;

const STATUS_WHAT: Record<string, string> = { EXEC: 'exec', CHDIR: 'workdir', USER: 'user', GROUP: 'user' };

export const unitMisconfigured: Cause = {
  meta: {
    id: 'unit_misconfigured',
    title: 'systemd cannot start the process as the unit file describes it',
    layer: 'process',
    docs:
      'The unit points at something that is not there: an ExecStart binary (a venv moved or rebuilt ' +
      'elsewhere), a WorkingDirectory, a User, an EnvironmentFile. systemd fails before Python even ' +
      'runs (status 203/EXEC, 200/CHDIR, 217/USER, or "Failed to load environment files"), or the ' +
      'directory of the unix socket Gunicorn must create is missing (no RuntimeDirectory= after a reboot).',
    worthMatching:
      /Failed to locate executable|Failed to execute|Failed at step|Unable to locate executable|working directory failed|Failed to determine user credentials|Failed to load environment files|status=2\d\d\/|Executable path is not absolute|Can't connect to \/|ExecStart=|bad unit file setting|Missing '='|Unknown key name|failed to load: Invalid argument/,
  },
  matchLine(event) {
    if (EXEC_DENIED.test(event.text)) return null;
    for (const { re, what } of SPAWN) {
      const m = re.exec(event.text);
      if (!m) continue;
      if (what === 'status')
        return { what: STATUS_WHAT[m[2] ?? ''] ?? 'spawn', status: `${m[1]}/${m[2]}`, weak: 'yes' };
      if (/failed to load: Invalid argument/.test(m[0])) return { what, weak: 'yes' };
      return { what, path: m[1] ?? '' };
    }
    return null;
  },
  // A bare status line is weak: the first specific line ("Failed to locate executable ...") names the problem,
  // and a bare 203/EXEC next to systemd's "Permission denied" for the binary is the file's permissions.
  decide(evidence) {
    const f = fromSignal('unit_misconfigured', evidence);
    const denied = evidence.signals.get('file_permission')?.all.some((x) => x.captures.spawn);
    return f?.signal?.captures.weak && denied ? null : f;
  },
  fix(c, t) {
    const unit = unitName(t);
    const check: Record<string, string> = {
      exec: `systemctl show ${unit} -p ExecStart | grep -o 'path=[^ ;]*'; ls -l ${c.path || '$(that path)'}`,
      workdir: `systemctl show ${unit} -p WorkingDirectory; ls -ld ${t.workdir ?? '$(that directory)'}`,
      user: `systemctl show ${unit} -p User; getent passwd ${t.user ?? '$(that user)'}`,
      envfile: `systemctl show ${unit} -p EnvironmentFiles; ls -l ${t.envFile ?? '$(that file)'}`,
      socketdir: `ls -ld ${(c.path ?? '/run/APP/app.sock').replace(/\/[^/]*$/, '')}; systemctl show ${unit} -p RuntimeDirectory`,
    };
    if (c.what === 'socketdir') {
      const dir = (c.path ?? '/run/APP/app.sock').replace(/\/[^/]*$/, '');
      return [
        check.socketdir ?? '',
        dir.startsWith('/run/')
          ? `systemctl edit ${unit}   # [Service] RuntimeDirectory=${dir.slice(5)}  (systemd creates ${dir} for ${t.user ?? 'the service user'} at each start)`
          : `install -d -o ${t.user ?? 'www-data'} ${dir}`,
        `systemctl daemon-reload && systemctl restart ${unit}`,
      ];
    }
    return [
      check[c.what ?? ''] ?? `systemctl cat ${unit}`,
      `systemctl edit --full ${unit}   # point it at what exists`,
      `systemctl daemon-reload && systemctl restart ${unit}`,
    ];
  },
};
