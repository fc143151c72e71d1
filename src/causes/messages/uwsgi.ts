// uWSGI's fatal messages (app loading, sockets, options, worker supervision), from unbit/uwsgi
// branch uwsgi-2.0 9b1bb837 (2.0.30+2) and master 6cbb2177. uwsgi_error(x) prints
// "x: strerror(errno) [file line N]" (uwsgi.h), uwsgi_error_open(x) prints 'open("x"): strerror [file line N]'.
import type { Message } from './types.ts';

export const messages: Message[] = [
  // --- the app (python plugin) ----------------------------------------------------------------
  {
    // The loader returned nothing: the module or its callable (default "application", or --callable) is
    // missing. When the module itself raised, the traceback is printed just before this line.
    program: 'uwsgi',
    source: 'plugins/python/pyloader.c',
    template: "unable to load app %d (mountpoint='%s') (callable not found or import error)",
    pattern:
      /unable to load app \d{1,4} \(mountpoint='(?<path>[^'\n]{0,200})'\) \(callable not found or import error\)/,
    cause: 'wrong_entrypoint',
  },
  {
    // --wsgi-file / --file loader.
    program: 'uwsgi',
    source: 'plugins/python/pyloader.c',
    template: 'unable to find "%s" callable in file %s',
    pattern: /unable to find "(?<attribute>[^"\n]{1,100})" callable in file (?<file>\S{1,300})/,
    cause: 'wrong_entrypoint',
  },
  {
    program: 'uwsgi',
    source: 'plugins/python/pyloader.c',
    template: '"%s" must be a callable object in file %s',
    pattern: /"(?<attribute>[^"\n]{1,100})" must be a callable object in file (?<file>\S{1,300})/,
    cause: 'wrong_entrypoint',
  },

  // --- sockets (core/socket.c bind_to_tcp / bind_to_unix) --------------------------------------
  {
    program: 'uwsgi',
    source: 'core/socket.c',
    template: 'probably another instance of uWSGI is running on the same address (%s).',
    pattern:
      /probably another instance of uWSGI is running on the same address \((?<host>[^()\s]{0,100}):(?<port>\d{1,5})\)/,
    cause: 'port_in_use',
  },
  {
    program: 'uwsgi',
    source: 'core/socket.c',
    template: 'bind(): %s [%s line %d]',
    pattern: /bind\(\): Address already in use \[core\/socket\.c line \d{1,5}\]/,
    cause: 'port_in_use',
  },
  {
    // Most often a unix socket in a directory the uwsgi user may not write; a port below 1024 without root
    // gives the same line.
    program: 'uwsgi',
    source: 'core/socket.c',
    template: 'bind(): %s [%s line %d]',
    pattern: /bind\(\): Permission denied \[core\/socket\.c line \d{1,5}\]/,
    cause: 'file_permission',
  },
  {
    // The unix socket's directory does not exist (/run/uwsgi after a reboot, no RuntimeDirectory=).
    program: 'uwsgi',
    source: 'core/socket.c',
    template: 'bind(): %s [%s line %d]',
    pattern: /bind\(\): No such file or directory \[core\/socket\.c line \d{1,5}\]/,
    cause: 'unit_misconfigured',
  },
  {
    program: 'uwsgi',
    source: 'core/socket.c',
    template: 'bind(): %s [%s line %d]',
    pattern: /bind\(\): Cannot assign requested address \[core\/socket\.c line \d{1,5}\]/,
    cause: 'bad_config_value',
  },

  // --- options ----------------------------------------------------------------------------------
  {
    // --chdir / --chdir2 points at a directory that is not there.
    program: 'uwsgi',
    source: 'core/uwsgi.c',
    template: 'chdir(): %s [%s line %d]',
    pattern: /chdir\(\): (?:No such file or directory|Not a directory) \[core\/uwsgi\.c line \d{1,5}\]/,
    cause: 'bad_config_value',
  },
  {
    program: 'uwsgi',
    source: 'core/uwsgi.c',
    template: 'unable to find user %s',
    pattern: /unable to find user (?<user>\S{1,100})/,
    cause: 'bad_config_value',
  },
  {
    program: 'uwsgi',
    source: 'core/utils.c',
    template: 'unable to find group %s',
    pattern: /unable to find group (?<value>\S{1,100})/,
    cause: 'bad_config_value',
  },
  {
    // --logto / --daemonize / pidfile and other files opened with uwsgi_error_open.
    program: 'uwsgi',
    source: 'core/logging.c',
    template: 'open("%s"): %s [%s line %d]',
    pattern: /open\("(?<path>[^"\n]{1,300})"\): Permission denied \[core\/[\w.]{1,40} line \d{1,5}\]/,
    cause: 'file_permission',
  },

  // --- worker supervision (master) -----------------------------------------------------------------
  {
    // harakiri is uWSGI's request timeout. 2.0 since 2021 adds ", graceful: yes|no".
    program: 'uwsgi',
    source: 'core/master_utils.c',
    template: '*** HARAKIRI ON WORKER %d (pid: %d, try: %d, graceful: %s) ***',
    pattern: /HARAKIRI ON WORKER \d{1,5} \(pid: (?<pid>\d{1,10}), try: \d{1,5}(?:, graceful: \w{2,3})?\)/,
    cause: 'worker_timeout',
  },
  {
    // SIGKILL only: uWSGI does not say who sent it (the kernel's log tells an OOM kill from a kill -9).
    // "MISTERIOUSLY" in 2.0, "MYSTERIOUSLY" on master.
    program: 'uwsgi',
    source: 'core/master.c',
    template: 'DAMN ! worker %d (pid: %d) died, killed by signal %d :( trying respawn ...',
    pattern:
      /DAMN ! worker \d{1,5} \(pid: (?<pid>\d{1,10})\) (?:died, |M[IY]STERIOUSLY )killed by signal (?<signal>9) /,
    cause: 'oom_killed',
    weak: true,
  },
];
