// CPython's own messages that prove a cause (python/cpython, read through the file index and its stored
// copies: Lib/importlib/_bootstrap.py, Python/ceval.c import_from, Objects/moduleobject.c,
// Objects/exceptions.c, Objects/abstract.c, Objects/longobject.c, Python/future.c, the 2.7 Python/import.c),
// plus the dynamic loader's texts that Python passes through as ImportError. Which package a missing module
// belongs to (the app's own or a third party's) is decided by the causes from the traceback's frames; the
// entries here name the cause the message means on its own.
import type { Message } from './types.ts';

// Modules the standard library removed (3.12: distutils, imp, asynchat, asyncore, smtpd; 3.13: PEP 594's
// dead batteries and lib2to3), modules it added late (tomllib 3.11, zoneinfo and graphlib 3.9), and
// Python 2 names: "No module named" one of these is the interpreter, not a package left out of the venv.
export const NOT_THIS_PYTHON =
  'distutils|imp|asynchat|asyncore|smtpd|aifc|audioop|cgi|cgitb|chunk|crypt|imghdr|mailcap|msilib|nis|nntplib|ossaudiodev|pipes|sndhdr|spwd|sunau|telnetlib|uu|xdrlib|lib2to3|tomllib|zoneinfo|graphlib|urllib2|urlparse|ConfigParser|StringIO|cStringIO|cPickle|httplib|HTMLParser|SocketServer|xmlrpclib|cookielib|__builtin__';

export const messages: Message[] = [
  // --- imports: the interpreter ----------------------------------------------------------------------
  {
    program: 'python',
    source: 'Lib/importlib/_bootstrap.py',
    template: 'No module named %r',
    pattern: new RegExp(`No module named '(?<module>(?:${NOT_THIS_PYTHON})(?:\\.[\\w.]{1,200})?)'`),
    cause: 'python_version_mismatch',
  },
  {
    // A name the standard library of this interpreter lacks (typing.override on 3.11, Self on 3.10,
    // collections.Mapping on 3.10+): the path is the stdlib's, outside site-/dist-packages.
    program: 'python',
    source: 'Python/ceval.c',
    template: 'cannot import name %R from %R (%S)',
    pattern:
      /cannot import name '(?<name>\w{1,100})' from '(?<module>[\w.]{1,200})' \((?<path>[^()]{0,300}\/lib\/python(?<version>\d\.\d{1,2})\/(?![^()]{0,300}(?:site|dist)-packages)[^()]{1,200})\)/,
    cause: 'python_version_mismatch',
  },
  {
    // collections' ABC aliases, removed in 3.10 (Objects/moduleobject.c module_getattro).
    program: 'python',
    source: 'Objects/moduleobject.c',
    template: 'module %R has no attribute %R',
    pattern:
      /module 'collections' has no attribute '(?<name>Mapping|MutableMapping|Sequence|MutableSequence|Iterable|Iterator|Callable|Set|MutableSet|Hashable|Sized|Container|Generator|Awaitable|Coroutine|AsyncIterable|AsyncIterator|MappingView|KeysView|ItemsView|ValuesView|ByteString)'/,
    cause: 'python_version_mismatch',
  },
  {
    // "from __future__ import annotations" on Python < 3.7.
    program: 'python',
    source: 'Python/future.c',
    template: 'future feature %.100s is not defined',
    pattern: /future feature (?<name>\w{1,100}) is not defined/,
    cause: 'python_version_mismatch',
  },
  {
    // Python 2 code on Python 3 (Objects/exceptions.c _report_missing_parentheses, 3.4+).
    program: 'python',
    source: 'Objects/exceptions.c',
    template: "Missing parentheses in call to '%U'. Did you mean %U(...)?",
    pattern: /Missing parentheses in call to '(?<name>print|exec)'/,
    cause: 'python_version_mismatch',
  },
  {
    // "X | None" annotations evaluated on Python < 3.10, dict merge "a | b" on < 3.9 (binop_type_error).
    program: 'python',
    source: 'Objects/abstract.c',
    template: "unsupported operand type(s) for %.100s: '%.100s' and '%.100s'",
    pattern:
      /unsupported operand type\(s\) for \|: '(?:type|NoneType|ABCMeta|EnumMeta|ModelMetaclass|_GenericAlias|_SpecialGenericAlias|_UnionGenericAlias|_LiteralGenericAlias|GenericAlias|_SpecialForm|_TypedDictMeta)' and '\w{1,60}'|unsupported operand type\(s\) for \|=?: 'dict' and 'dict'/,
    cause: 'python_version_mismatch',
  },
  {
    // "list[int]" / "collections.abc.Callable[...]" evaluated on Python < 3.9.
    program: 'python',
    source: 'Objects/abstract.c',
    template: "'%.200s' object is not subscriptable",
    pattern: /'(?:type|ABCMeta)' object is not subscriptable/,
    cause: 'python_version_mismatch',
  },

  // --- imports: a third-party package ---------------------------------------------------------------
  // ("No module named %r" for a package is the missing_dependency cause's own rule: it tells the app's
  // modules and the server's entry point from a package by the traceback's frames. A name an installed
  // package lacks, "cannot import name %R from %R (.../site-packages/...)", is a version the code was not
  // written for: none of the catalog's causes.)
  {
    // The loader cannot find a system library a binary wheel links to (libpq.so.5 for psycopg2 built from
    // source, libmysqlclient, libGL for opencv).
    program: 'python',
    source: 'Python/dynload_shlib.c',
    template: '%s: cannot open shared object file: No such file or directory',
    pattern: /(?:^|[\s:'"])(?<file>[^\s:'"]{1,300}\.so(?:\.\d{1,6}){0,4}): cannot open shared object file/,
    cause: 'missing_dependency',
  },
  {
    // A wheel built for a newer glibc (or libstdc++) than the host has.
    program: 'python',
    source: 'Python/dynload_shlib.c',
    template: "version `GLIBC_2.xx' not found (required by %s)",
    pattern:
      /version `(?<version>GLIBC(?:XX)?_[\d.]{1,12})' not found(?: \(required by (?<path>[^)]{1,300})\))?/,
    cause: 'missing_dependency',
  },

  // --- imports and syntax: the app's own code ----------------------------------------------------------
  {
    // 3.7-3.12 "(most likely due to a circular import) (%S)"; 3.13 may omit the path.
    program: 'python',
    source: 'Python/ceval.c',
    template:
      'cannot import name %R from partially initialized module %R (most likely due to a circular import) (%S)',
    pattern:
      /cannot import name '(?<name>\w{1,100})' from partially initialized module '(?<module>[\w.]{1,200})' \(most likely due to a circular import\)(?: \((?<path>[^()]{1,400})\))?/,
    cause: 'syntax_or_import_error_in_app',
  },
  {
    // 3.8+: an attribute of a module that is still being imported.
    program: 'python',
    source: 'Objects/moduleobject.c',
    template: 'partially initialized module %R has no attribute %R (most likely due to a circular import)',
    pattern:
      /partially initialized module '(?<module>[\w.]{1,200})' has no attribute '(?<attribute>\w{1,200})' \(most likely due to a circular import\)/,
    cause: 'syntax_or_import_error_in_app',
  },
  {
    // 3.13+: a file of the app shadows a standard-library or installed module (random.py, redis.py...).
    program: 'python',
    source: 'Objects/moduleobject.c',
    template:
      '(consider renaming %R since it has the same name as the standard library module named %R and prevents importing that standard library module)',
    pattern:
      /\(consider renaming '(?<path>[^']{1,300})' (?:since it has the same name as the standard library module|if it has the same name as a library you intended to import)/,
    cause: 'syntax_or_import_error_in_app',
  },
  {
    // 3.7+: a name missing from a module that lives outside site-/dist-packages and the stdlib: the app's
    // own module (renamed, not committed). The same message from a site-packages path is a dependency's
    // version (above), from the stdlib's path the interpreter's version (above).
    program: 'python',
    source: 'Python/ceval.c',
    template: 'cannot import name %R from %R (%S)',
    pattern:
      /cannot import name '(?<name>\w{1,100})' from '(?<module>[\w.]{1,200})' \((?<path>(?!unknown location\)|consider renaming )(?![^()]{0,400}(?:site-packages|dist-packages|\/lib\/python\d|\\Lib\\))[^()]{1,400})\)/,
    cause: 'syntax_or_import_error_in_app',
  },
  {
    // str(SyntaxError) as frameworks log it: "invalid syntax (views.py, line 12)". A SyntaxError in an
    // installed package is a Python version problem, told apart by the causes from the file's path.
    program: 'python',
    source: 'Objects/exceptions.c',
    template: '%S (%U, line %ld)',
    pattern:
      /\b(?:SyntaxError|IndentationError|TabError): (?!future feature |Missing parentheses in call to )[^\n]{1,300}? \((?<file>[^(),\n]{1,200}\.py), line (?<line>\d{1,7})\)/,
    cause: 'syntax_or_import_error_in_app',
  },
  {
    // The traceback's last line (the parser's messages are many: "invalid syntax", "expected ':'",
    // "unexpected indent", "inconsistent use of tabs and spaces in indentation", "'(' was never closed").
    // JavaScript's SyntaxErrors (Node in the same journal) are kept out by their wording.
    program: 'python',
    source: 'Parser/pegen_errors.c',
    template: 'SyntaxError: %s',
    pattern:
      /\b(?:SyntaxError|IndentationError|TabError): (?!future feature |Missing parentheses in call to |Unexpected |Invalid or unexpected token|Cannot use import statement|Identifier '|missing \) after|Invalid regular expression|Invalid left-hand side|await is only valid|JSON\.parse|Unterminated template|Illegal return)/,
    cause: 'syntax_or_import_error_in_app',
  },

  // --- errno texts (OSError.__str__: "[Errno %S] %S: %R") --------------------------------------------
  {
    // Only with the file name: a bare "[Errno 13] Permission denied" is also a bind to a port < 1024.
    program: 'python',
    source: 'Objects/exceptions.c',
    template: '[Errno 13] Permission denied: %R',
    pattern: /\[Errno 13\] Permission denied: u?['"](?<path>[^'"]{1,400})['"]/,
    cause: 'file_permission',
  },
  {
    // EROFS: systemd's ProtectSystem=strict/ReadOnlyPaths or a read-only container root: the app may not
    // write there either.
    program: 'python',
    source: 'Objects/exceptions.c',
    template: '[Errno 30] Read-only file system: %R',
    pattern: /\[Errno 30\] Read-only file system: u?['"](?<path>[^'"]{1,400})['"]/,
    cause: 'file_permission',
  },
  {
    program: 'python',
    source: 'Objects/exceptions.c',
    template: '[Errno 28] No space left on device: %R',
    pattern: /\[Errno 28\] No space left on device(?:: u?['"](?<path>[^'"]{1,400})['"])?/,
    cause: 'disk_full',
  },
  {
    // EADDRINUSE: 98 on Linux, 48 on macOS/BSD, WSAEADDRINUSE on Windows.
    program: 'python',
    source: 'Objects/exceptions.c',
    template: '[Errno 98] Address already in use',
    pattern:
      /\[(?:Errno (?<errno>98|48)|WinError 10048)\] (?:[Aa]ddress already in use|Only one usage of each socket address)/,
    cause: 'port_in_use',
  },

  // --- settings read from the environment ---------------------------------------------------------------
  {
    // os.environ['NAME'] (Lib/os.py _Environ.__getitem__: raise KeyError(key) from None). Only
    // environment-style names; the WSGI/CGI request keys and HTTP methods are a request's, not the unit's.
    program: 'python',
    source: 'Lib/os.py',
    template: 'KeyError: %r',
    pattern:
      /KeyError: u?['"](?!(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|HTTP_\w{0,100}|REMOTE_ADDR|REMOTE_HOST|REMOTE_USER|CONTENT_TYPE|CONTENT_LENGTH|SERVER_NAME|SERVER_PORT|SERVER_PROTOCOL|QUERY_STRING|PATH_INFO|SCRIPT_NAME|REQUEST_METHOD|REQUEST_URI)['"])(?<variable>[A-Z][A-Z0-9_]{2,100})['"]\s*$/,
    cause: 'missing_env_var',
    weak: true,
  },
  {
    // int(os.environ["PORT"]) and the like on a value that is not a number (also '' for an empty one).
    program: 'python',
    source: 'Objects/longobject.c',
    template: 'invalid literal for int() with base %d: %R',
    pattern: /invalid literal for int\(\) with base \d{1,2}: u?['"](?<value>[^'"]{0,200})['"]/,
    cause: 'bad_config_value',
    weak: true,
  },
  {
    program: 'python',
    source: 'Objects/floatobject.c',
    template: 'could not convert string to float: %R',
    pattern: /could not convert string to float: u?['"](?<value>[^'"]{0,200})['"]/,
    cause: 'bad_config_value',
    weak: true,
  },
  {
    // urllib.parse on a database/Redis/broker URL (an unescaped ':' or '@' in the password shifts the port).
    program: 'python',
    source: 'Lib/urllib/parse.py',
    template: 'Port could not be cast to integer value as %r',
    pattern: /Port could not be cast to integer value as '(?<value>[^']{0,200})'|Port out of range 0-65535/,
    cause: 'bad_config_value',
  },
];
