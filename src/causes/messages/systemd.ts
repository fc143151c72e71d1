// systemd's own words when it cannot start a service as its unit describes it, and when a unit dies of
// memory: from systemd/systemd src/core/exec-invoke.c 000057e5 (v255+), the older src/core/execute.c
// (v240..v254, via the stored file history), src/shared/exit-status.h 00f37365, src/core/service.c,
// src/core/unit.c and src/core/load-fragment.c. "Start request repeated too quickly." is a symptom and is
// left out.
import type { Message } from './types.ts';

export const messages: Message[] = [
  // --- spawning the process (the child logs as "app.service: ...") -------------------------------
  {
    // v248..v254.
    program: 'systemd',
    source: 'src/core/execute.c',
    template: 'Failed to locate executable %s: %m',
    pattern:
      /Failed to locate executable (?<path>\S{1,300}): (?:No such file or directory|Not a directory|Is a directory|Exec format error)/,
    cause: 'unit_misconfigured',
  },
  {
    // v255+.
    program: 'systemd',
    source: 'src/core/exec-invoke.c',
    template: "Unable to locate executable '%s': %m",
    pattern:
      /Unable to locate executable '(?<path>[^'\n]{1,300})': (?:No such file or directory|Not a directory|Is a directory|Exec format error)/,
    cause: 'unit_misconfigured',
  },
  {
    // execve() itself failed: "Failed to execute %s: %m" (v255+), "Failed to execute command: %m" (older).
    program: 'systemd',
    source: 'src/core/exec-invoke.c',
    template: 'Failed to execute %s: %m',
    pattern:
      /Failed to execute (?:command|(?<path>\/\S{0,300})): (?:No such file or directory|Exec format error|Not a directory|Is a directory)/,
    cause: 'unit_misconfigured',
  },
  {
    // The summary line the manager logs for any failed spawn step; only the steps a unit's settings decide.
    program: 'systemd',
    source: 'src/core/executor.c',
    template: 'Failed at step %s spawning %s: %m',
    pattern:
      /Failed at step (?<value>EXEC|CHDIR|USER|GROUP|NAMESPACE|STDIN|STDOUT|STDERR|CREDENTIALS|RUNTIME_DIRECTORY|STATE_DIRECTORY|LOGS_DIRECTORY|CACHE_DIRECTORY|CONFIGURATION_DIRECTORY|CHROOT|PAM) spawning (?<path>\S{1,300}):/,
    cause: 'unit_misconfigured',
  },
  {
    // WorkingDirectory= is missing or not enterable by User= (exit status 200/CHDIR).
    program: 'systemd',
    source: 'src/core/exec-invoke.c',
    template: 'Changing to the requested working directory failed: %m',
    pattern:
      /Changing to the requested working directory failed: (?:No such file or directory|Permission denied|Not a directory)/,
    cause: 'unit_misconfigured',
  },
  {
    // User= names no user (getpwnam gives ESRCH: "No such process"), exit status 217/USER.
    program: 'systemd',
    source: 'src/core/exec-invoke.c',
    template: 'Failed to determine user credentials: %m',
    pattern:
      /Failed to determine user credentials: (?:No such process|No such file or directory|Invalid argument)/,
    cause: 'unit_misconfigured',
  },
  {
    program: 'systemd',
    source: 'src/core/exec-invoke.c',
    template: 'Failed to determine group credentials: %m',
    pattern:
      /Failed to determine group credentials: (?:No such process|No such file or directory|Invalid argument)/,
    cause: 'unit_misconfigured',
  },
  {
    // EnvironmentFile= without the "-" prefix names a file that is not there (Result: resources).
    program: 'systemd',
    source: 'src/core/execute.c',
    template: 'Failed to load environment files: %m',
    pattern:
      /Failed to load environment files: (?:No such file or directory|Permission denied|Not a directory)/,
    cause: 'unit_misconfigured',
  },
  {
    // StandardOutput=append:/var/log/app/x.log into a directory that is not there (209/STDOUT).
    program: 'systemd',
    source: 'src/core/exec-invoke.c',
    template: 'Failed to set up standard output: %m',
    pattern:
      /Failed to set up standard (?:output|error|input): (?:No such file or directory|Permission denied|Not a directory)/,
    cause: 'unit_misconfigured',
  },
  {
    // ReadWritePaths=/ReadOnlyPaths= naming a path that is not there (226/NAMESPACE); v257 adds the path.
    program: 'systemd',
    source: 'src/core/exec-invoke.c',
    template: 'Failed to set up mount namespacing%s%s: %m',
    pattern: /Failed to set up mount namespacing(?:: (?<path>\/\S{0,300}))?: No such file or directory/,
    cause: 'unit_misconfigured',
  },

  // --- the manager's view of the exit (service.c; systemctl status shows the same code=/status=) ---
  {
    // systemd's private exit statuses for spawn steps the unit file controls (exit-status.h: 200 CHDIR,
    // 203 EXEC, 209 STDOUT, 216 GROUP, 217 USER, 226 NAMESPACE, 233 RUNTIME_DIRECTORY, 243 CREDENTIALS).
    // "Main process exited, code=exited, status=203/EXEC" and "Main PID: 812 (code=exited, status=203/EXEC)".
    program: 'systemd',
    source: 'src/core/service.c',
    template: 'Main process exited, code=%s, status=%i/%s',
    pattern:
      /code=exited, status=(?<value>200\/CHDIR|203\/EXEC|209\/STDOUT|216\/GROUP|217\/USER|226\/NAMESPACE|233\/RUNTIME_DIRECTORY|243\/CREDENTIALS)\b/,
    cause: 'unit_misconfigured',
  },

  // --- the unit file itself ---------------------------------------------------------------------
  {
    program: 'systemd',
    source: 'src/core/service.c',
    template: 'Service has no ExecStart=, ExecStop=, or SuccessAction=. Refusing.',
    pattern:
      /Service has no ExecStart=, ExecStop=, or SuccessAction=\. Refusing|Service lacks both ExecStart= and ExecStop= setting\. Refusing|Service has no ExecStart= setting, which is only allowed for Type=oneshot services\. Refusing/,
    cause: 'unit_misconfigured',
  },
  {
    // ExecStart= with a relative path or a variable as the binary; older releases said "is not absolute".
    program: 'systemd',
    source: 'src/core/load-fragment.c',
    template: 'Neither a valid executable name nor an absolute path: %s',
    pattern:
      /(?:Neither a valid executable name nor an absolute path|Executable path is not absolute, ignoring): (?<path>\S{1,300})/,
    cause: 'unit_misconfigured',
  },
  {
    // What systemctl start says for a unit whose file failed to load (LoadState=bad-setting).
    program: 'systemd',
    source: 'src/core/unit.c',
    template: 'Unit %s has a bad unit file setting.',
    pattern: /Unit (?<name>[\w@.\\-]{1,200}\.service) has a bad unit file setting/,
    cause: 'unit_misconfigured',
  },

  // --- memory -----------------------------------------------------------------------------------------
  {
    program: 'systemd',
    source: 'src/core/unit.c',
    template: 'A process of this unit has been killed by the OOM killer.',
    pattern: /A process of this unit has been killed by the OOM killer/,
    cause: 'oom_killed',
  },
  {
    // ServiceResult "oom-kill" (v243+).
    program: 'systemd',
    source: 'src/core/service.c',
    template: "Failed with result '%s'.",
    pattern: /Failed with result 'oom-kill'/,
    cause: 'oom_killed',
  },
  {
    program: 'systemd',
    source: 'src/core/unit.c',
    template: 'systemd-oomd killed %lu process(es) in this unit.',
    pattern: /systemd-oomd killed \d{1,7} process\(es\) in this unit/,
    cause: 'oom_killed',
  },
  {
    // SIGKILL of the main process: the OOM killer is the usual sender, but only the kernel's log proves it
    // (a kill -9, or systemd's own kill after TimeoutStopSec=, gives the same line).
    program: 'systemd',
    source: 'src/core/service.c',
    template: 'Main process exited, code=%s, status=%i/%s',
    pattern: /Main process exited, code=killed, status=(?<signal>9\/KILL)/,
    cause: 'oom_killed',
    weak: true,
  },
];
