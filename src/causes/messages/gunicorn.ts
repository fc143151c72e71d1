// Gunicorn's fatal messages (app import, bind, config validation, worker supervision), from
// benoitc/gunicorn 65ac1a3a (26.1.0+22), with older wordings from its history (git log -S).
import type { Message } from './types.ts';

export const messages: Message[] = [
  // --- the app module:object (util.import_app) -------------------------------------------------
  {
    program: 'gunicorn',
    source: 'gunicorn/util.py',
    template: 'Failed to find attribute %r in %r.',
    pattern:
      /Failed to find attribute u?['"](?<attribute>[^'"]{1,200})['"] in u?['"](?<module>[^'"]{1,200})['"]/,
    cause: 'wrong_entrypoint',
  },
  {
    // 19.8 to 19.10 (2017-11 .. 2019-11), before app factories were parsed with ast.
    program: 'gunicorn',
    source: 'gunicorn/util.py',
    template: 'Failed to find application object %r in %r',
    pattern:
      /Failed to find application object u?['"](?<attribute>[^'"]{1,200})['"] in u?['"](?<module>[^'"]{1,200})['"]/,
    cause: 'wrong_entrypoint',
    // For a factory call ('create_app()') these versions print it for a NameError raised inside the factory
    // too, and 20.0.0 for any call at all: the message alone cannot tell which.
    unless: /application object u?['"][^'"]*\(/,
  },
  {
    // up to 19.7 (before 2017-11): the module name only.
    program: 'gunicorn',
    source: 'gunicorn/util.py',
    template: 'Failed to find application: %r',
    pattern: /Failed to find application: u?['"](?<module>[^'"]{1,200})['"]/,
    cause: 'wrong_entrypoint',
  },
  {
    // The app was given as a file path ("wsgi.py") instead of a module name.
    program: 'gunicorn',
    source: 'gunicorn/util.py',
    template: "Failed to find application, did you mean '%s:%s'?",
    pattern: /Failed to find application, did you mean '(?<module>[^':]{1,200}):(?<attribute>[^']{1,200})'\?/,
    cause: 'wrong_entrypoint',
  },
  {
    // The attribute exists but is None (a factory that returns nothing, "application = None").
    program: 'gunicorn',
    source: 'gunicorn/util.py',
    template: 'Failed to find application object: %r',
    pattern: /Failed to find application object: u?['"](?<attribute>[^'"]{1,200})['"]/,
    cause: 'wrong_entrypoint',
  },
  {
    program: 'gunicorn',
    source: 'gunicorn/util.py',
    template: 'Failed to parse %r as an attribute name or function call.',
    pattern: /Failed to parse ['"](?<value>[^\n]{1,200})['"] as an attribute name or function call/,
    cause: 'wrong_entrypoint',
  },
  {
    program: 'gunicorn',
    source: 'gunicorn/util.py',
    template: 'Function reference must be a simple name: %r',
    pattern: /Function reference must be a simple name: ['"](?<value>[^\n]{1,200})['"]/,
    cause: 'wrong_entrypoint',
  },
  {
    program: 'gunicorn',
    source: 'gunicorn/util.py',
    template: 'Failed to parse arguments as literal values: %r',
    pattern: /Failed to parse arguments as literal values: ['"](?<value>[^\n]{1,200})['"]/,
    cause: 'wrong_entrypoint',
  },
  {
    program: 'gunicorn',
    source: 'gunicorn/util.py',
    template: 'Application object must be callable.',
    pattern: /Application object must be callable\./,
    cause: 'wrong_entrypoint',
  },
  {
    // The arbiter halts when a worker exits with APP_LOAD_ERROR (4), which only an AppImportError from
    // util.import_app causes: the module imported, the object named after ':' is missing or unusable.
    program: 'gunicorn',
    source: 'gunicorn/arbiter.py',
    template: 'Reason: App failed to load.',
    pattern: /(?:Reason: |HaltServer ')App failed to load\./,
    cause: 'wrong_entrypoint',
  },
  {
    program: 'gunicorn',
    source: 'gunicorn/app/wsgiapp.py',
    template: 'No application module specified.',
    pattern: /Error: No application module specified\./,
    cause: 'wrong_entrypoint',
  },

  // --- binding the listening sockets (sock.create_sockets) -------------------------------------
  {
    // TCP binds print the (host, port) tuple; a unix socket prints its path.
    program: 'gunicorn',
    source: 'gunicorn/sock.py',
    template: 'Connection in use: %s',
    pattern:
      /Connection in use: (?:\('(?<host>[^']{0,100})', (?<port>\d{1,5})(?:, \d+, \d+)?\)|(?<path>\/[^\s]{1,200}))/,
    cause: 'port_in_use',
  },
  {
    // EADDRNOTAVAIL: the --bind address is not an address of this host.
    program: 'gunicorn',
    source: 'gunicorn/sock.py',
    template: 'Invalid address: %s',
    pattern: /Invalid address: \('(?<host>[^']{0,100})', (?<port>\d{1,5})(?:, \d+, \d+)?\)/,
    cause: 'bad_config_value',
  },
  {
    program: 'gunicorn',
    source: 'gunicorn/sock.py',
    template: 'connection to {addr} failed: {error}',
    pattern:
      /connection to \('(?<host>[^']{0,100})', (?<port>\d{1,5})(?:, \d+, \d+)?\) failed: \[Errno (?<errno>99)\] Cannot assign requested address/,
    cause: 'bad_config_value',
  },
  {
    // A port below 1024 without root or CAP_NET_BIND_SERVICE.
    program: 'gunicorn',
    source: 'gunicorn/sock.py',
    template: 'connection to {addr} failed: {error}',
    pattern:
      /connection to \('(?<host>[^']{0,100})', (?<port>\d{1,5})(?:, \d+, \d+)?\) failed: \[Errno (?<errno>13)\] Permission denied/,
    cause: 'bad_config_value',
  },
  {
    // The bind host does not resolve.
    program: 'gunicorn',
    source: 'gunicorn/sock.py',
    template: 'connection to {addr} failed: {error}',
    pattern:
      /connection to \('(?<host>[^']{1,100})', (?<port>\d{1,5})\) failed: \[Errno (?<errno>-[235])\] (?:Name or service not known|Temporary failure in name resolution|No address associated with hostname)/,
    cause: 'bad_config_value',
  },
  {
    // The service user may not create the unix socket in that directory.
    program: 'gunicorn',
    source: 'gunicorn/sock.py',
    template: 'connection to {addr} failed: {error}',
    pattern: /connection to (?<path>\/[^\s]{1,200}) failed: \[Errno (?<errno>13)\] Permission denied/,
    cause: 'file_permission',
  },
  {
    // The socket's directory does not exist (/run is emptied at boot and the unit has no RuntimeDirectory=).
    program: 'gunicorn',
    source: 'gunicorn/sock.py',
    template: 'connection to {addr} failed: {error}',
    pattern: /connection to (?<path>\/[^\s]{1,200}) failed: \[Errno (?<errno>2)\] No such file or directory/,
    cause: 'unit_misconfigured',
  },
  {
    program: 'gunicorn',
    source: 'gunicorn/sock.py',
    template: 'certfile "%s" does not exist',
    pattern: /(?:certfile|keyfile) "(?<path>[^"]{1,300})" does not exist/,
    cause: 'tls_expired_or_invalid',
  },

  // --- configuration values, printed as "Error: ..." by app/base.py ----------------------------
  {
    program: 'gunicorn',
    source: 'gunicorn/util.py',
    template: '%r is not a valid port number.',
    pattern: /u?['"](?<value>[^'"\n]{0,100})['"] is not a valid port number\./,
    cause: 'bad_config_value',
  },
  {
    program: 'gunicorn',
    source: 'gunicorn/util.py',
    template: '%r is not a valid file descriptor.',
    pattern: /u?['"](?<value>[^'"\n]{0,100})['"] is not a valid file descriptor\./,
    cause: 'bad_config_value',
  },
  {
    program: 'gunicorn',
    source: 'gunicorn/config.py',
    template: "No such user: '%s'",
    pattern: /No such user: '(?<user>[^'\n]{1,100})'/,
    cause: 'bad_config_value',
  },
  {
    program: 'gunicorn',
    source: 'gunicorn/config.py',
    template: "No such group: '%s'",
    pattern: /No such group: '(?<value>[^'\n]{1,100})'/,
    cause: 'bad_config_value',
  },
  {
    program: 'gunicorn',
    source: 'gunicorn/config.py',
    template: "can't chdir to %r",
    pattern: /can't chdir to u?['"](?<path>[^'"\n]{1,300})['"]/,
    cause: 'bad_config_value',
  },
  {
    // -c/--config names a file that is not there.
    program: 'gunicorn',
    source: 'gunicorn/app/base.py',
    template: "%r doesn't exist",
    pattern: /Error: u?['"](?<path>[^'"\n]{1,300})['"] doesn't exist/,
    cause: 'bad_config_value',
  },
  {
    // A setting in the config file that its validator refused (printed before the exception).
    program: 'gunicorn',
    source: 'gunicorn/app/base.py',
    template: 'Invalid value for %s: %s',
    pattern: /\bInvalid value for (?<setting>[a-z_]{2,60}): (?<value>[^\n]{0,200})/,
    cause: 'bad_config_value',
  },
  {
    program: 'gunicorn',
    source: 'gunicorn/config.py',
    template: 'Invalid boolean: %s',
    pattern:
      /Error: (?:Invalid boolean|Value must be positive|Invalid http2_cleartext|Invalid header map behaviour|Invalid ASGI (?:loop|lifespan)|Invalid reload_engine|Not a string|Invalid type for casting|Value is not a dictionary): (?<value>[^\n]{0,200})/,
    cause: 'bad_config_value',
  },
  {
    program: 'gunicorn',
    source: 'gunicorn/config.py',
    template: 'File %s does not exists.',
    pattern: /Error: File (?<path>\S{1,300}) does not exists\./,
    cause: 'bad_config_value',
  },
  {
    // validate_pos_int parses with int(val, 0): base 0 is Gunicorn's.
    program: 'gunicorn',
    source: 'gunicorn/config.py',
    template: "invalid literal for int() with base 0: '%s'",
    pattern: /Error: invalid literal for int\(\) with base 0: '(?<value>[^'\n]{0,100})'/,
    cause: 'bad_config_value',
  },
  {
    // argparse, for the options declared type=int (-w/--workers, -t/--timeout, ...).
    program: 'gunicorn',
    source: 'gunicorn/config.py',
    template: 'gunicorn: error: argument %s: invalid int value: %r',
    pattern:
      /gunicorn: error: argument (?<option>[-\w/]{1,60}): invalid (?:int|float) value: '(?<value>[^'\n]{0,100})'/,
    cause: 'bad_config_value',
  },
  {
    program: 'gunicorn',
    source: 'gunicorn/config.py',
    template: 'gunicorn: error: unrecognized arguments: %s',
    pattern: /gunicorn: error: unrecognized arguments: (?<option>[^\n]{1,200})/,
    cause: 'bad_config_value',
    // Gunicorn never rejects its own options or the app's MODULE:OBJECT: then the app's own argparse, run at
    // import with Gunicorn's command line in sys.argv, printed it (it takes Gunicorn's name as its prog).
    unless:
      /unrecognized arguments: (?:[^\n]* )?(?:--bind[= ]|-b |--workers[= ]|-w |--worker-class[= ]|-k |--timeout[= ]|--config[= ]|-c |[\w.]+:[\w.()]+(?: |$))/,
  },
  {
    program: 'gunicorn',
    source: 'gunicorn/glogging.py',
    template: "Error: log config '%s' not found",
    pattern: /Error: log config '(?<path>[^'\n]{1,300})' not found/,
    cause: 'bad_config_value',
  },
  {
    // --error-logfile/--access-logfile the service user may not write.
    program: 'gunicorn',
    source: 'gunicorn/util.py',
    template: "Error: '%s' isn't writable [%r]",
    pattern:
      /Error: '(?<path>[^'\n]{1,300})' isn't writable \[(?:PermissionError|IOError|OSError)\((?<errno>13), /,
    cause: 'file_permission',
  },
  {
    // -k/--worker-class names a class whose package is not installed (uvicorn.workers.UvicornWorker, gevent).
    program: 'gunicorn',
    source: 'gunicorn/util.py',
    template: 'class uri %r invalid or not found: \n\n[%s]',
    pattern: /class uri u?['"](?<value>[^'"\n]{1,200})['"] invalid or not found/,
    cause: 'missing_dependency',
  },

  // --- worker supervision (arbiter) ---------------------------------------------------------------
  {
    // Also "DIRTY WORKER TIMEOUT (pid:%s)" from gunicorn/dirty/arbiter.py (26.x).
    program: 'gunicorn',
    source: 'gunicorn/arbiter.py',
    template: 'WORKER TIMEOUT (pid:%s)',
    pattern: /WORKER TIMEOUT \(pid:(?<pid>\d{1,10})\)/,
    cause: 'worker_timeout',
  },
  {
    // Since 20.1 (2020-09). Gunicorn only guesses: the kernel's log tells an OOM kill from a kill -9.
    program: 'gunicorn',
    source: 'gunicorn/arbiter.py',
    template: 'Worker (pid:%s) was sent SIGKILL! Perhaps out of memory?',
    pattern: /Worker \(pid:(?<pid>\d{1,10})\) was sent (?<signal>SIGKILL)! Perhaps out of memory\?/,
    cause: 'oom_killed',
    weak: true,
  },
];
