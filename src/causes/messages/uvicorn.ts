// Uvicorn's fatal messages (app import, bind, CLI option parsing), from encode/uvicorn e6c7ce79
// (0.35.0+10, importer wording unchanged since 2018), CPython asyncio's bind error (3.11 and 3.13
// wordings) and pallets/click 2c8cd3ac (8.x, with the 7.x quoting) for the CLI.
import type { Message } from './types.ts';

export const messages: Message[] = [
  // --- the app import string (importer.import_from_string, logged by config.Config.load) ----------
  {
    // Only when the named module itself is missing; a missing import inside it is re-raised as is.
    program: 'uvicorn',
    source: 'uvicorn/importer.py',
    template: 'Error loading ASGI app. Could not import module "{module_str}".',
    pattern: /Error loading ASGI app\. Could not import module "(?<module>[^"\n]{1,200})"/,
    cause: 'wrong_entrypoint',
  },
  {
    program: 'uvicorn',
    source: 'uvicorn/importer.py',
    template: 'Error loading ASGI app. Attribute "{attrs_str}" not found in module "{module_str}".',
    pattern:
      /Error loading ASGI app\. Attribute "(?<attribute>[^"\n]{1,200})" not found in module "(?<module>[^"\n]{1,200})"/,
    cause: 'wrong_entrypoint',
  },
  {
    program: 'uvicorn',
    source: 'uvicorn/importer.py',
    template:
      'Error loading ASGI app. Import string "{import_str}" must be in format "<module>:<attribute>".',
    pattern:
      /Error loading ASGI app\. Import string "(?<app>[^"\n]{0,200})" must be in format "<module>:<attribute>"/,
    cause: 'wrong_entrypoint',
  },
  {
    // --factory, and the object is not a factory that can be called without arguments.
    program: 'uvicorn',
    source: 'uvicorn/config.py',
    template: 'Error loading ASGI app factory: %s',
    pattern: /Error loading ASGI app factory: (?<value>[^\n]{1,300})/,
    cause: 'wrong_entrypoint',
  },
  {
    // uvicorn.run(app_object, workers=N) or reload=True: the app must be given as "module:attribute".
    program: 'uvicorn',
    source: 'uvicorn/main.py',
    template: "You must pass the application as an import string to enable 'reload' or 'workers'.",
    pattern: /You must pass the application as an import string to enable 'reload' or 'workers'/,
    cause: 'wrong_entrypoint',
  },
  {
    // click: the APP argument is missing from the command line (click 8 quotes with ', click 7 with ").
    program: 'uvicorn',
    source: 'uvicorn/main.py',
    template: "Error: Missing argument 'APP'.",
    pattern: /Missing argument ['"]APP['"]/,
    cause: 'wrong_entrypoint',
  },
  {
    program: 'uvicorn',
    source: 'uvicorn/config.py',
    template: 'Error loading custom loop setup function. %s',
    pattern: /Error loading custom loop setup function\. (?<value>[^\n]{1,300})/,
    cause: 'bad_config_value',
  },

  // --- binding (server.Server.startup logs the OSError asyncio raises; config.bind_socket for --workers/--reload)
  {
    // asyncio.base_events.create_server: 3.11 ends with strerror, 3.13 with "[errno 98] address already in use";
    // Windows says "only one usage of each socket address ...".
    program: 'uvicorn',
    source: 'uvicorn/server.py',
    template: '[Errno 98] error while attempting to bind on address %r: %s',
    pattern:
      /error while attempting to bind on address \('(?<host>[^']{0,100})', (?<port>\d{1,5})(?:, \d+, \d+)?\): (?:\[errno \d+\] )?(?:address already in use|only one usage of each socket address)/i,
    cause: 'port_in_use',
  },
  {
    // The --host is not an address of this machine.
    program: 'uvicorn',
    source: 'uvicorn/server.py',
    template: '[Errno 99] error while attempting to bind on address %r: cannot assign requested address',
    pattern:
      /error while attempting to bind on address \('(?<host>[^']{0,100})', (?<port>\d{1,5})(?:, \d+, \d+)?\): (?:\[errno \d+\] )?cannot assign requested address/i,
    cause: 'bad_config_value',
  },
  {
    // A port below 1024 without root or CAP_NET_BIND_SERVICE.
    program: 'uvicorn',
    source: 'uvicorn/server.py',
    template: '[Errno 13] error while attempting to bind on address %r: permission denied',
    pattern:
      /error while attempting to bind on address \('(?<host>[^']{0,100})', (?<port>\d{1,5})(?:, \d+, \d+)?\): (?:\[errno \d+\] )?permission denied/i,
    cause: 'bad_config_value',
  },
  {
    // With --workers or --reload the socket is bound by the parent with socket.bind: the bare OSError text.
    program: 'uvicorn',
    source: 'uvicorn/config.py',
    template: '[Errno 98] Address already in use',
    pattern:
      /\[(?:Errno|WinError) (?<errno>98|48|10048)\] (?:Address already in use|Only one usage of each socket address)/,
    cause: 'port_in_use',
  },

  // --- the command line (click) ----------------------------------------------------------------------
  {
    // click 8: "Invalid value for '--port': 'abc' is not a valid integer."; click 7: 'Invalid value for
    // "--port": abc is not a valid integer'; choices: "'x' is not one of ..." or "invalid choice: x."
    program: 'uvicorn',
    source: 'src/click/exceptions.py',
    template: 'Invalid value for {param_hint}: {message}',
    pattern:
      /Invalid value for ['"](?<option>-{1,2}[\w-]{1,40})['"](?: \/ ['"]-{1,2}[\w-]{1,40}['"])?: (?:invalid choice: )?'?(?<value>[^'\s]{0,200}?)'?(?: is not (?:a valid|one of)|\. \(choose from)/,
    cause: 'bad_config_value',
  },
  {
    // click < 8.2 "No such option: --foo"; newer "No such option '--foo'."
    program: 'uvicorn',
    source: 'src/click/exceptions.py',
    template: 'No such option {name!r}.',
    pattern: /Error: No such option:? ['"]?(?<option>-{1,2}[\w-]{1,60})/,
    cause: 'bad_config_value',
  },
];
