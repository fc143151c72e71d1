// The other Python app servers' fatal messages (app import, bind, options), from pgjones/hypercorn
// 0e2311f (0.18.0), django/daphne c19f2f4 (4.2.2, listen errors worded by Twisted's CannotListenError)
// and Pylons/waitress 4a37891 (3.0.2+47), v3.0.2 and v2.1.2 for the runner's older wordings.
import type { Message } from './types.ts';

export const messages: Message[] = [
  // --- Hypercorn ------------------------------------------------------------------------------
  {
    // Since 0.15 (2023-08); the path is the whole "module:app" argument.
    program: 'hypercorn',
    source: 'src/hypercorn/utils.py',
    template: "Cannot load application from '{path}', module not found.",
    pattern: /Cannot load application from '(?<app>[^'\n]{1,200})', module not found\./,
    cause: 'wrong_entrypoint',
  },
  {
    program: 'hypercorn',
    source: 'src/hypercorn/utils.py',
    template: "Cannot load application from '{path}', application not found.",
    pattern: /Cannot load application from '(?<app>[^'\n]{1,200})', application not found\./,
    cause: 'wrong_entrypoint',
  },
  {
    // Before 0.15 NoAppError carried no message: the traceback ends with the bare class name.
    program: 'hypercorn',
    source: 'src/hypercorn/utils.py',
    template: 'NoAppError()',
    pattern: /(?:^|[\s.])NoAppError:?\s*$/,
    cause: 'wrong_entrypoint',
  },
  {
    program: 'hypercorn',
    source: 'src/hypercorn/utils.py',
    template: "Invalid mode, must be 'asgi', or 'wsgi'",
    pattern: /Invalid mode, must be 'asgi', or 'wsgi'/,
    cause: 'wrong_entrypoint',
  },
  {
    program: 'hypercorn',
    source: 'src/hypercorn/run.py',
    template: 'No worker of class {config.worker_class} exists',
    pattern: /No worker of class (?<value>\S{1,100}) exists/,
    cause: 'bad_config_value',
  },
  {
    // Config.create_sockets binds with socket.bind: the bare OSError, in a traceback.
    program: 'hypercorn',
    source: 'src/hypercorn/config.py',
    template: 'OSError: [Errno 98] Address already in use',
    pattern:
      /\[(?:Errno|WinError) (?<errno>98|48|10048)\] (?:Address already in use|Only one usage of each socket address)/,
    cause: 'port_in_use',
  },

  // --- Daphne (Twisted endpoints) ------------------------------------------------------------------
  {
    program: 'daphne',
    source: 'daphne/server.py',
    template: "Listen failure: Couldn't listen on %s:%s: [Errno 98] Address already in use.",
    pattern:
      /Couldn't listen on (?<host>[^\s]{0,100}?):(?<port>\d{1,5}): \[Errno (?<errno>98|48)\] Address already in use/,
    cause: 'port_in_use',
  },
  {
    // A port below 1024 without root, or an address that is not this host's.
    program: 'daphne',
    source: 'daphne/server.py',
    template: "Listen failure: Couldn't listen on %s:%s: [Errno 13] Permission denied.",
    pattern:
      /Couldn't listen on (?<host>[^\s]{0,100}?):(?<port>\d{1,5}): \[Errno (?<errno>13|99)\] (?:Permission denied|Cannot assign requested address)/,
    cause: 'bad_config_value',
  },
  {
    // A bind host that does not resolve (a stray space in "-b ' 0.0.0.0'", a typo): Twisted's
    // CannotListenError with the resolver's errno.
    program: 'daphne',
    source: 'daphne/server.py',
    template: "Listen failure: Couldn't listen on %s:%s: [Errno -2] Name or service not known.",
    pattern:
      /Couldn't listen on (?<host>[^:]{0,100}):(?<port>\d{1,5}): \[Errno (?<errno>-2|-3|-5|8)\] (?:Name or service not known|Temporary failure in name resolution|No address associated with hostname|nodename nor servname provided)/,
    cause: 'bad_config_value',
  },
  {
    // -u/--unix-socket in a directory the service user may not write ("any:" stands for the interface).
    program: 'daphne',
    source: 'daphne/server.py',
    template: "Listen failure: Couldn't listen on any:%s: [Errno 13] Permission denied.",
    pattern: /Couldn't listen on any:(?<path>\/[^\s:]{1,300}): \[Errno (?<errno>13)\] Permission denied/,
    cause: 'file_permission',
  },
  {
    program: 'daphne',
    source: 'daphne/server.py',
    template: 'No endpoints. This server will not listen on anything.',
    pattern: /No endpoints\. This server will not listen on anything\./,
    cause: 'bad_config_value',
  },
  {
    // argparse: the application path is missing from the command line.
    program: 'daphne',
    source: 'daphne/cli.py',
    template: 'daphne: error: the following arguments are required: application',
    pattern: /daphne: error: the following arguments are required: application/,
    cause: 'wrong_entrypoint',
  },

  // --- Waitress (waitress-serve) --------------------------------------------------------------------
  {
    // up to 2.1.x: ImportError while importing the module. The module may be missing, or it imports a
    // missing package: the "It had these arguments: 1. No module named ..." lines that follow tell which.
    program: 'waitress',
    source: 'src/waitress/runner.py',
    template: "Error: Bad module '{}'",
    pattern: /Error: Bad module '(?<module>[^'\n]{1,200})'/,
    cause: 'wrong_entrypoint',
  },
  {
    program: 'waitress',
    source: 'src/waitress/runner.py',
    template: "Error: Bad object name '{}'",
    pattern: /Error: Bad object name '(?<attribute>[^'\n]{1,200})'/,
    cause: 'wrong_entrypoint',
  },
  {
    program: 'waitress',
    source: 'src/waitress/runner.py',
    template: "Malformed application '{}'",
    pattern: /Malformed application '(?<app>[^'\n]{1,200})'/,
    cause: 'wrong_entrypoint',
  },
  {
    // 3.0.x prints the exception's type after "Error: <message>"; an AttributeError is the object name.
    program: 'waitress',
    source: 'src/waitress/runner.py',
    template: 'There was an exception ({}) importing your module.',
    pattern: /There was an exception \(AttributeError\) importing your module\./,
    cause: 'wrong_entrypoint',
  },
  {
    // After 3.0.2 (AppResolutionError): the module imported, the object is missing.
    program: 'waitress',
    source: 'src/waitress/adjustments.py',
    template: "Cannot import WSGI application '{app_name}': {exc}",
    pattern:
      /Cannot import WSGI application '(?<app>[^'\n]{1,200})': module '(?<module>[^'\n]{1,200})' has no attribute '(?<attribute>[^'\n]{1,200})'/,
    cause: 'wrong_entrypoint',
  },
  {
    // ... or the module named in the argument is the one missing (not a package it imports).
    program: 'waitress',
    source: 'src/waitress/adjustments.py',
    template: "Cannot import WSGI application '{app_name}': No module named '{module}'",
    pattern:
      /Cannot import WSGI application '(?<module>[\w.]{1,200})[^'\n]{0,200}': No module named '\k<module>'/,
    cause: 'wrong_entrypoint',
  },
  {
    program: 'waitress',
    source: 'src/waitress/runner.py',
    template: 'Specify an application',
    pattern: /Error: Specify an application\b/,
    cause: 'wrong_entrypoint',
  },
  {
    // Two positional arguments: an option given after MODULE:OBJECT, or a stray word in the command line.
    program: 'waitress',
    source: 'src/waitress/runner.py',
    template: 'Specify one application only',
    pattern: /Error: (?:Specify one application only|Provide only one WSGI app)/,
    cause: 'bad_config_value',
  },
  {
    // serve(create_app()) where the factory returns None.
    program: 'waitress',
    source: 'src/waitress/server.py',
    template:
      'The "app" passed to ``create_server`` was ``None``.  You forgot to return a WSGI app within your application.',
    pattern: /The "app" passed to ``create_server`` was ``None``/,
    cause: 'wrong_entrypoint',
  },
  {
    program: 'waitress',
    source: 'src/waitress/adjustments.py',
    template: 'Invalid host/port specified.',
    pattern: /Invalid host\/port specified\./,
    cause: 'bad_config_value',
  },
  {
    program: 'waitress',
    source: 'src/waitress/adjustments.py',
    template: 'Unknown adjustment %r',
    pattern: /Unknown adjustment '(?<setting>[^'\n]{1,100})'/,
    cause: 'bad_config_value',
  },
  {
    // getopt errors shown by show_help: "option --foo not recognized", "option --port requires argument".
    program: 'waitress',
    source: 'src/waitress/runner.py',
    template: 'Error: option --%s not recognized',
    pattern:
      /Error: option (?<option>-{1,2}[\w-]{1,60}) (?:not recognized|requires argument|must not have an argument)/,
    cause: 'bad_config_value',
  },
  {
    // BaseWSGIServer.bind_server_socket: the bare OSError, in a traceback.
    program: 'waitress',
    source: 'src/waitress/server.py',
    template: 'OSError: [Errno 98] Address already in use',
    pattern:
      /\[(?:Errno|WinError) (?<errno>98|48|10048)\] (?:Address already in use|Only one usage of each socket address)/,
    cause: 'port_in_use',
  },
];
