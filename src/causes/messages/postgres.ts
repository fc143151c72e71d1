// The database layer's fatal messages: libpq's client errors and the PostgreSQL server's own FATAL/ERROR
// texts (postgres/postgres through the file index: backend_startup.c at 9d9b9d46, fe-connect.c, auth.c,
// postinit.c), and what the Python drivers and ORMs wrap them in or add: psycopg2 3a6d9d6d (2.9.12), psycopg 3 c079c37c (3.3.4), asyncpg db8ecc2
// (0.31.0), SQLAlchemy f35da7e2b9 (rel_2_1_0b3+100), Django (django/django, read through the file index),
// with the older wordings from their histories; plus the short MySQL client/server and SQLite texts.
import type { Message } from './types.ts';

export const messages: Message[] = [
  // --- credentials: the server answers and refuses the login (db_auth_failed) ------------------------
  {
    program: 'postgres',
    source: 'src/backend/libpq/auth.c',
    template: 'password authentication failed for user "%s"',
    pattern: /password authentication failed for user "(?<user>[^"]{1,100})"/,
    cause: 'db_auth_failed',
  },
  {
    program: 'postgres',
    source: 'src/backend/libpq/auth.c',
    template: '%s authentication failed for user "%s"',
    pattern:
      /(?:Peer|Ident|md5|scram-sha-256|LDAP|RADIUS|PAM) authentication failed for user "(?<user>[^"]{1,100})"/,
    cause: 'db_auth_failed',
  },
  {
    // The last %s is "SSL off"/"SSL on" (up to 13), "no encryption"/"SSL encryption"/"GSS encryption" (14+).
    program: 'postgres',
    source: 'src/backend/libpq/auth.c',
    template: 'no pg_hba.conf entry for host "%s", user "%s", database "%s", %s',
    pattern:
      /no pg_hba\.conf entry for (?:replication connection from )?host "(?<host>[^"]{1,255})", user "(?<user>[^"]{1,100})"(?:, database "(?<database>[^"]{1,100})")?/,
    cause: 'db_auth_failed',
  },
  {
    // The login role is unknown to this server (InitializeSessionUserId). A near miss, 'database "x"
    // does not exist', is a wrong database name (below), and 'relation "x" does not exist' a schema.
    program: 'postgres',
    source: 'src/backend/utils/init/miscinit.c',
    template: 'role "%s" does not exist',
    pattern: /\brole "(?<user>[^"]{1,100})" does not exist/,
    cause: 'db_auth_failed',
  },
  {
    // libpq-fe.h PQnoPasswordSupplied: the URL has no password and the server asks for one.
    program: 'libpq',
    source: 'src/interfaces/libpq/libpq-fe.h',
    template: 'fe_sendauth: no password supplied',
    pattern: /fe_sendauth: no password supplied/,
    cause: 'db_auth_failed',
  },
  {
    // asyncpg raises the server's SQLSTATE class: 28P01 invalid_password.
    program: 'asyncpg',
    source: 'asyncpg/exceptions/__init__.py',
    template: 'InvalidPasswordError',
    pattern: /\bInvalidPasswordError\b/,
    cause: 'db_auth_failed',
  },
  {
    // 28000: a role that does not exist, no pg_hba.conf entry.
    program: 'asyncpg',
    source: 'asyncpg/exceptions/__init__.py',
    template: 'InvalidAuthorizationSpecificationError',
    pattern: /\bInvalidAuthorizationSpecificationError\b/,
    cause: 'db_auth_failed',
  },

  // --- no server answers at that host/port (db_unreachable) ----------------------------------------
  {
    // libpq 14+ (emitHostIdentityInfo + the errno text). Only the reasons that mean "nobody answers": the
    // same prefix also carries 'FATAL:  password authentication failed' (auth, above).
    program: 'libpq',
    source: 'src/interfaces/libpq/fe-connect.c',
    template: 'connection to server at "%s" (%s), port %s failed: %s',
    pattern:
      /connection to server at "(?<host>[^"]{1,255})"(?: \([^)]{1,100}\))?, port (?<port>\d{1,5}) failed: (?:Connection refused|timeout expired|Connection timed out|Operation timed out|No route to host|Network is unreachable|Host is unreachable|Cannot assign requested address|server closed the connection unexpectedly|could not receive data from server)/,
    cause: 'db_unreachable',
  },
  {
    program: 'libpq',
    source: 'src/interfaces/libpq/fe-connect.c',
    template: 'connection to server on socket "%s" failed: %s',
    pattern:
      /connection to server on socket "(?<path>[^"]{1,255})" failed: (?:No such file or directory|Connection refused)/,
    cause: 'db_unreachable',
  },
  {
    // libpq 14+ second line of the same message (connectFailureMessage).
    program: 'libpq',
    source: 'src/interfaces/libpq/fe-connect.c',
    template: 'Is the server running on that host and accepting TCP/IP connections?',
    pattern:
      /Is the server running (?:on that host and accepting TCP\/IP connections|locally and accepting connections on that socket)\?/,
    cause: 'db_unreachable',
  },
  {
    // libpq up to 13 (psycopg2 < 2.9 wheels): 'could not connect to server: Connection refused\n\tIs the
    // server running on host "db" (172.18.0.2) and accepting\n\tTCP/IP connections on port 5432?'
    program: 'libpq',
    source: 'src/interfaces/libpq/fe-connect.c',
    template: 'could not connect to server: %s',
    pattern:
      /could not connect to server: (?:Connection refused|No such file or directory|Connection timed out|Operation timed out|No route to host|Network is unreachable|Host is unreachable|Cannot assign requested address)/,
    cause: 'db_unreachable',
  },
  {
    // libpq up to 13, the host line of '\tIs the server running on host "%s" (%s) and accepting\n\tTCP/IP
    // connections on port %s?': the port is on the next line when the message is split per line.
    program: 'libpq',
    source: 'src/interfaces/libpq/fe-connect.c',
    template: 'Is the server running on host "%s" (%s) and accepting',
    pattern:
      /Is the server running on host "(?<host>[^"]{1,255})"(?: \([^)]{1,100}\))? and accepting(?:\s{1,10}TCP\/IP connections on port (?<port>\d{1,5}))?/,
    cause: 'db_unreachable',
  },
  {
    // libpq up to 13: '...accepting\n\tconnections on Unix domain socket "%s"?' (the path on the next line).
    program: 'libpq',
    source: 'src/interfaces/libpq/fe-connect.c',
    template: 'Is the server running locally and accepting',
    pattern:
      /Is the server running locally and accepting(?:\s{1,10}connections on Unix domain socket "(?<path>[^"]{1,255})")?/,
    cause: 'db_unreachable',
  },
  {
    // A "host name" with an @ in it is no host: the URL was cut at the wrong @, an unescaped @ (or : / #)
    // in the password, so the password's tail became the host. The value to fix is the URL, not DNS.
    program: 'libpq',
    source: 'src/interfaces/libpq/fe-connect.c',
    template: 'could not translate host name "%s" to address: %s',
    pattern: /could not translate host name "[^"]{0,255}@(?<host>[^"@]{1,255})" to address/,
    cause: 'bad_config_value',
  },
  {
    // The database host does not resolve (a Docker service name used outside Docker, a typo).
    program: 'libpq',
    source: 'src/interfaces/libpq/fe-connect.c',
    template: 'could not translate host name "%s" to address: %s',
    pattern: /could not translate host name "(?<host>[^"]{1,255})" to address/,
    cause: 'db_unreachable',
  },
  {
    // connect_timeout elapsed: libpq < 14 printed the bare text, psycopg 3 raises ConnectionTimeout.
    program: 'libpq',
    source: 'src/interfaces/libpq/fe-misc.c',
    template: 'timeout expired',
    pattern: /OperationalError\)?:? timeout expired|ConnectionTimeout: connection timeout expired/,
    cause: 'db_unreachable',
  },
  {
    // The server went away under an open connection (restarted, crashed, killed by the OOM killer); the
    // message goes on "\n\tThis probably means the server terminated abnormally\n\tbefore or while ...".
    program: 'libpq',
    source: 'src/interfaces/libpq/fe-misc.c',
    template: 'server closed the connection unexpectedly',
    pattern: /server closed the connection unexpectedly/,
    cause: 'db_unreachable',
  },
  {
    // ProcessStartupPacket refusals (57P03): the server is up but not accepting connections yet/anymore.
    program: 'postgres',
    source: 'src/backend/tcop/backend_startup.c',
    template: 'the database system is starting up',
    pattern:
      /the database system is (?:starting up|shutting down|in recovery mode|not yet accepting connections|not accepting connections)/,
    cause: 'db_unreachable',
  },
  {
    // Connection slots exhausted (53300): the server answers, and has no slot for one more client. PG 16+
    // names the reserved role, up to 15 "non-replication superuser"; the per-role and per-database
    // CONNECTION LIMIT say "too many connections for ...".
    program: 'postgres',
    source: 'src/backend/utils/init/postinit.c',
    template: 'remaining connection slots are reserved for roles with the %s attribute',
    pattern:
      /remaining connection slots are reserved for (?:non-replication superuser connections|roles with the \w{1,30} attribute|roles with privileges of the "[^"]{1,64}" role)|sorry, too many clients already|too many connections for (?:role|database) "[^"]{1,100}"/,
    cause: 'db_connections_exhausted',
  },
  {
    // PgBouncer in front: its own ceiling of client connections (SQLSTATE 08P01).
    program: 'pgbouncer',
    source: 'src/client.c',
    template: 'no more connections allowed (max_client_conn)',
    pattern:
      /no more connections allowed \(max_client_conn\)|client connections exceeded \(max_(?:db|user)_client_connections\)/,
    cause: 'db_connections_exhausted',
  },
  {
    // The app's own SQLAlchemy pool: every connection checked out for the whole pool_timeout.
    program: 'sqlalchemy',
    source: 'lib/sqlalchemy/pool/impl.py',
    template: 'QueuePool limit of size %d overflow %d reached, connection timed out, timeout %0.2f',
    pattern: /QueuePool limit of size (?<size>\d{1,6}) overflow (?<overflow>-?\d{1,6}) reached/,
    cause: 'db_connections_exhausted',
  },
  {
    // psycopg 3's pool (Django 5.1's "pool" option uses it): no connection came within its timeout.
    program: 'psycopg_pool',
    source: 'psycopg_pool/psycopg_pool/pool.py',
    template: "couldn't get a connection after %.2f sec",
    pattern: /couldn't get a connection after [\d.]{1,12} sec/,
    cause: 'db_connections_exhausted',
  },
  {
    // MySQL's ER_CON_COUNT_ERROR (1040), through mysqlclient or PyMySQL.
    program: 'mysql',
    source: 'share/messages_to_clients.txt',
    template: 'Too many connections',
    pattern: /\(1040, ["']Too many connections/,
    cause: 'db_connections_exhausted',
  },
  {
    // asyncpg's SQLSTATE class for the startup/shutdown/recovery refusals (57P03).
    program: 'asyncpg',
    source: 'asyncpg/exceptions/__init__.py',
    template: 'CannotConnectNowError',
    pattern: /\bCannotConnectNowError\b/,
    cause: 'db_unreachable',
  },
  {
    // 53300, the connection slots (see above).
    program: 'asyncpg',
    source: 'asyncpg/exceptions/__init__.py',
    template: 'TooManyConnectionsError',
    pattern: /\bTooManyConnectionsError\b/,
    cause: 'db_connections_exhausted',
  },
  {
    // psycopg 3: the host name did not resolve in its own (async) DNS step.
    program: 'psycopg',
    source: 'psycopg/psycopg/_conninfo_attempts.py',
    template: 'failed to resolve host %r: %s',
    pattern: /failed to resolve host '(?<host>[^']{1,255})': /,
    cause: 'db_unreachable',
  },
  {
    // asyncpg connects through asyncio: "[Errno 111] Connect call failed ('127.0.0.1', 5432)", also inside
    // "Multiple exceptions: ...". Only on PostgreSQL's (or PgBouncer's) port: the text is asyncio's own.
    program: 'asyncio',
    source: 'Lib/asyncio/selector_events.py',
    template: 'Connect call failed %s',
    pattern:
      /\[Errno (?<errno>\d{2,5})\] Connect call failed \('(?<host>[^']{1,255})', (?<port>5432|5433|6432)(?:, \d+, \d+)?\)/,
    cause: 'db_unreachable',
  },

  // --- the URL is wrong: a database, option or scheme the client cannot use (bad_config_value) ------
  {
    // The server answers and the login is fine, but the database named in the URL does not exist: a wrong
    // name in the URL (or a database never created). Neither unreachable nor auth.
    program: 'postgres',
    source: 'src/backend/utils/init/postinit.c',
    template: 'database "%s" does not exist',
    pattern: /\bdatabase "(?<database>[^"]{1,100})" does not exist/,
    cause: 'bad_config_value',
  },
  {
    program: 'asyncpg',
    source: 'asyncpg/exceptions/__init__.py',
    template: 'InvalidCatalogNameError: database "%s" does not exist',
    pattern: /InvalidCatalogNameError: database "(?<database>[^"]{1,100})" does not exist/,
    cause: 'bad_config_value',
  },
  {
    // conninfo / URI parsing (conninfo_parse, conninfo_uri_parse_params, pqParseIntParam).
    program: 'libpq',
    source: 'src/interfaces/libpq/fe-connect.c',
    template: 'invalid integer value "%s" for connection option "%s"',
    pattern:
      /invalid integer value "(?<value>[^"]{0,200})" for connection option "(?<option>[^"]{1,100})"|invalid port number: "(?<port>[^"]{0,100})"/,
    cause: 'bad_config_value',
  },
  {
    program: 'libpq',
    source: 'src/interfaces/libpq/fe-connect.c',
    template: 'invalid connection option "%s"',
    pattern:
      /invalid connection option "(?<option>[^"]{1,100})"|invalid URI query parameter: "(?<setting>[^"]{1,200})"|missing "=" after "(?<value>[^"]{1,200})" in connection info string|invalid percent-encoded token: "(?<url>[^"]{1,300})"/,
    cause: 'bad_config_value',
  },
  {
    program: 'libpq',
    source: 'src/interfaces/libpq/fe-connect.c',
    template: 'invalid %s value: "%s"',
    pattern:
      /invalid (?<option>sslmode|gssencmode|target_session_attrs|channel_binding) value: "(?<value>[^"]{0,100})"/,
    cause: 'bad_config_value',
  },
  {
    // psycopg2's parse_dsn (and psycopg2.connect with a DSN libpq rejects).
    program: 'psycopg2',
    source: 'psycopg/psycopgmodule.c',
    template: 'invalid dsn: %s',
    pattern: /ProgrammingError: invalid dsn: /,
    cause: 'bad_config_value',
  },
  {
    program: 'psycopg',
    source: 'psycopg/psycopg/conninfo.py',
    template: 'bad value for connect_timeout: %r',
    pattern: /bad value for connect_timeout: '(?<value>[^']{0,100})'/,
    cause: 'bad_config_value',
  },
  {
    // A SQLAlchemy URL ("postgresql+asyncpg://") handed to asyncpg directly, or a mistyped scheme.
    program: 'asyncpg',
    source: 'asyncpg/connect_utils.py',
    template: 'invalid DSN: scheme is expected to be either "postgresql" or "postgres", got %r',
    pattern:
      /invalid DSN: scheme is expected to be either "postgresql" or "postgres", got '(?<value>[^']{0,100})'/,
    cause: 'bad_config_value',
  },
  {
    // SQLAlchemy 1.4 dropped the "postgres://" alias that Heroku-style URLs still use.
    program: 'sqlalchemy',
    source: 'lib/sqlalchemy/util/langhelpers.py',
    template: "Can't load plugin: %s:%s",
    pattern: /Can't load plugin: sqlalchemy\.dialects:(?<value>postgres)\b(?!ql)/,
    cause: 'bad_config_value',
  },
  {
    // 2.0.41+ no longer echoes the URL; 1.4-2.0.40 "from string '%s'"; up to 1.3 "rfc1738 URL".
    program: 'sqlalchemy',
    source: 'lib/sqlalchemy/engine/url.py',
    template: 'Could not parse SQLAlchemy URL from given URL string',
    pattern:
      /Could not parse (?:SQLAlchemy|rfc1738) URL from (?:given URL string|string '(?<url>[^']{0,300})')/,
    cause: 'bad_config_value',
  },

  // --- the schema is behind the code (migrations_not_applied) ----------------------------------------
  {
    // namespace.c RangeVarGetRelidExtended / parse_relation.c; psycopg2.errors.UndefinedTable,
    // asyncpg UndefinedTableError, wrapped by SQLAlchemy "(psycopg2.errors.UndefinedTable) ..." and
    // django.db.utils.ProgrammingError.
    program: 'postgres',
    source: 'src/backend/catalog/namespace.c',
    template: 'relation "%s" does not exist',
    pattern: /(?<!of )\brelation "(?<name>[^"]{1,200})" does not exist/,
    cause: 'migrations_not_applied',
  },
  {
    // parse_relation.c errorMissingColumn / tablecmds.c: 'column "x" does not exist',
    // 'column t.x does not exist', 'column "x" of relation "t" does not exist'.
    program: 'postgres',
    source: 'src/backend/parser/parse_relation.c',
    template: 'column %s.%s does not exist',
    pattern:
      /\bcolumn (?:"(?<name>[^"]{1,200})"|(?<attribute>[\w.]{1,200}))(?: of relation "[^"]{1,200}")? does not exist/,
    cause: 'migrations_not_applied',
  },
  {
    // SQLite (Django's default database and many Flask apps): src/build.c, src/resolve.c.
    program: 'sqlite',
    source: 'src/build.c',
    template: 'no such table: %s',
    pattern: /\bno such (?:table|column): (?<name>[\w.]{1,200})/,
    cause: 'migrations_not_applied',
  },
  {
    // Django's runserver/check_migrations notice: the schema is known to be behind.
    program: 'django',
    source: 'django/core/management/base.py',
    template:
      'You have %(unapplied_migration_count)s unapplied migration(s). Your project may not work properly until you apply the migrations for app(s): %(apps_waiting_migration)s.',
    pattern:
      /You have (?<value>\d{1,6}) unapplied migration\(s\)\.(?: Your project may not work properly until you apply the migrations for app\(s\): (?<app>[\w, ]{1,500})\.)?/,
    cause: 'migrations_not_applied',
  },
  {
    // MySQL server: ER_NO_SUCH_TABLE, ER_BAD_FIELD_ERROR.
    program: 'mysql',
    source: 'share/messages_to_clients.txt',
    template: "Table '%-.192s' doesn't exist",
    pattern:
      /Table '(?<name>[^']{1,200})' doesn't exist|Unknown column '(?<attribute>[^']{1,200})' in '[^']{1,100}'/,
    cause: 'migrations_not_applied',
  },

  // --- MySQL client (libmysqlclient/mysqlclient, PyMySQL) --------------------------------------------
  {
    // CR_CONN_HOST_ERROR ("on 'host'" up to 5.7, "on 'host:port'" in 8.0), CR_CONNECTION_ERROR (socket).
    program: 'libmysqlclient',
    source: 'libmysql/errmsg.cc',
    template: "Can't connect to MySQL server on '%-.100s:%u' (%d)",
    pattern:
      /Can't connect to (?:MySQL )?server on '(?<host>[^':]{1,255})(?::(?<port>\d{1,5}))?'|Can't connect to local (?:MySQL )?server through socket '(?<path>[^']{1,255})'/,
    cause: 'db_unreachable',
  },
  {
    program: 'libmysqlclient',
    source: 'libmysql/errmsg.cc',
    template: "Unknown MySQL server host '%-.100s' (%d)",
    pattern: /Unknown MySQL server host '(?<host>[^']{1,255})'/i,
    cause: 'db_unreachable',
  },
  {
    // ER_ACCESS_DENIED_ERROR.
    program: 'mysql',
    source: 'share/messages_to_clients.txt',
    template: "Access denied for user '%-.48s'@'%-.64s' (using password: %s)",
    pattern: /Access denied for user '(?<user>[^']{1,100})'@'(?<host>[^']{0,255})'/,
    cause: 'db_auth_failed',
  },
  {
    // ER_BAD_DB_ERROR: the database in the URL does not exist.
    program: 'mysql',
    source: 'share/messages_to_clients.txt',
    template: "Unknown database '%-.192s'",
    pattern: /Unknown database '(?<database>[^']{1,200})'/,
    cause: 'bad_config_value',
  },

  // --- the database's disk or files ---------------------------------------------------------------
  {
    // md.c mdextend / xlog.c: PostgreSQL's own log when its volume is full.
    program: 'postgres',
    source: 'src/backend/storage/smgr/md.c',
    template: 'could not extend file "%s": %m',
    pattern: /could not (?:extend|write to) file "(?<path>[^"]{1,300})": No space left on device/,
    cause: 'disk_full',
  },
  {
    // SQLite (sqlite3.OperationalError): the app's user may not write the database file or its directory.
    program: 'sqlite',
    source: 'src/main.c',
    template: 'attempt to write a readonly database',
    pattern: /attempt to write a readonly database/,
    cause: 'file_permission',
  },
  {
    // Mostly the same (a directory www-data may not write), but also a path that does not exist.
    program: 'sqlite',
    source: 'src/main.c',
    template: 'unable to open database file',
    pattern: /unable to open database file/,
    cause: 'file_permission',
    weak: true,
  },
];
