// Redis clients' fatal messages: redis-py 34817ce2 (master after v8.1.0; redis/redis-py), with older
// wordings from its history (git log -S), aioredis v1.3.1 and v2.0.1 (aio-libs/aioredis-py), django-redis
// 755dfb2 (6.0.0, jazzband/django-redis), and the Redis server's error replies they pass on (redis/redis
// server.c shared.*err strings, read through the file index).
import type { Message } from './types.ts';

export const messages: Message[] = [
  // --- nothing answers at the Redis URL -------------------------------------------------------------
  {
    // redis-py format_error_message (redis/utils.py; Connection._error_message before 5.x):
    // "Error 111 connecting to localhost:6379. Connection refused.", "Error -2 connecting to redis:6379.
    // Name or service not known.", "Error -3 ... Temporary failure in name resolution." aioredis 2.0
    // prints the errno twice ("Error 111 connecting to localhost:6379. 111."). Up to 2.4 (2011):
    // "Error 111 connecting localhost:6379.". Also inside kombu/Celery/RQ/django-redis wrappers.
    program: 'redis-py',
    source: 'redis/utils.py',
    template: 'Error %s connecting to %s:%s. %s.',
    pattern: /Error (?<errno>-?\d{1,5}) connecting (?:to )?(?<host>[\w.:-]{1,253}):(?<port>\d{1,5})\./,
    // The wording is generic: on another port, only where the line says it is Redis (a Celery broker URL).
    unless: /^(?![^\n]*(?:redis|Redis|:(?:6379|6380|26379)\.))/,
    cause: 'redis_unreachable',
  },
  {
    // The same without an errno ("Error connecting to h:p. Multiple exceptions: ..." in aioredis 2 /
    // redis.asyncio): only on Redis ports, the errno-less wording is too plain elsewhere.
    program: 'redis-py',
    source: 'redis/utils.py',
    template: 'Error connecting to %s:%s. %s.',
    pattern: /Error connecting to (?<host>[\w.:-]{1,253}):(?<port>6379|6380|26379)\./,
    cause: 'redis_unreachable',
  },
  {
    // UnixDomainSocketConnection: "Error 2 connecting to /run/redis/redis.sock. No such file or directory."
    // (5.x+), "Error 2 connecting to unix socket: /path. ..." before.
    program: 'redis-py',
    source: 'redis/connection.py',
    template: 'Error %s connecting to unix socket: %s. %s.',
    pattern: /Error (?<errno>-?\d{1,5}) connecting to (?:unix socket: )?(?<path>\/[^\s]{1,250}?)\. /,
    cause: 'redis_unreachable',
  },
  {
    program: 'redis-py',
    source: 'redis/connection.py',
    template: 'Timeout connecting to server',
    pattern: /Timeout connecting to server/,
    cause: 'redis_unreachable',
  },
  {
    // The server went away under an open connection (restart, crash, maxclients, idle timeout).
    program: 'redis-py',
    source: 'redis/_parsers/socket.py',
    template: 'Connection closed by server.',
    pattern: /ConnectionError: Connection closed by server\./,
    cause: 'redis_unreachable',
  },
  {
    // "Error while reading from localhost:6379 : (104, 'Connection reset by peer')" (5.x+, with or
    // without the space before the colon), "Error while reading from socket: (104, ...)" before.
    program: 'redis-py',
    source: 'redis/connection.py',
    template: 'Error while reading from %s : %s',
    pattern:
      /Error while reading from (?:socket|(?<host>[\w.:-]{1,253}):(?<port>\d{1,5}) ?): \((?<errno>\d{1,5})?/,
    cause: 'redis_unreachable',
  },
  {
    // The server is up but still loading its dataset (BusyLoadingError, server.c shared.loadingerr).
    program: 'redis',
    source: 'src/server.c',
    template: 'LOADING Redis is loading the dataset in memory',
    pattern: /Redis is loading the dataset in memory/,
    cause: 'redis_unreachable',
  },
  {
    // "ERR max number of clients reached" (redis-py maps it to ConnectionError).
    program: 'redis',
    source: 'src/networking.c',
    template: 'ERR max number of clients reached',
    pattern: /max number of clients reached/,
    cause: 'redis_unreachable',
  },
  {
    // asyncio (redis.asyncio before it formats the error, aioredis 1.x): only on Redis ports.
    program: 'asyncio',
    source: 'Lib/asyncio/selector_events.py',
    template: 'Connect call failed %s',
    pattern:
      /\[Errno (?<errno>\d{2,5})\] Connect call failed \('(?<host>[^']{1,255})', (?<port>6379|6380|26379)(?:, \d+, \d+)?\)/,
    cause: 'redis_unreachable',
  },
  {
    // aioredis 1.x: the server closed the stream.
    program: 'aioredis',
    source: 'aioredis/connection.py',
    template: 'Reader at end of file',
    pattern: /ConnectionClosedError: Reader at end of file/,
    cause: 'redis_unreachable',
  },
  {
    // django-redis wraps the client error as "Redis <ExceptionType>: <message>".
    program: 'django-redis',
    source: 'django_redis/exceptions.py',
    template: 'Redis %s: %s',
    pattern:
      /ConnectionInterrupted: Redis (?:ConnectionError|TimeoutError|BusyLoadingError|AuthenticationError)\b/,
    cause: 'redis_unreachable',
  },

  // --- credentials: no cause of its own in the catalog; redis_unreachable says "protected by a password
  //     the URL lacks", which NOAUTH is exactly, and a wrong password leaves the app just as cut off. ---
  {
    // NOAUTH: the server has requirepass/ACLs and the URL carries no password. redis-py strips the
    // error code ("AuthenticationError: Authentication required."); aioredis 1.x keeps it.
    program: 'redis-py',
    source: 'redis/_parsers/base.py',
    template: 'NOAUTH Authentication required.',
    pattern: /(?:AuthenticationError: |AuthError: |NOAUTH )Authentication required/,
    cause: 'redis_unreachable',
  },
  {
    // WRONGPASS (Redis 6+ ACL) and "ERR invalid password" (Redis < 6): the URL's password is wrong.
    program: 'redis-py',
    source: 'redis/_parsers/base.py',
    template: 'WRONGPASS invalid username-password pair or user is disabled.',
    pattern: /invalid username-password pair|(?:AuthenticationError: |AuthError: |ERR )invalid password/,
    cause: 'redis_unreachable',
  },
  {
    // The URL carries a password the server does not use (Redis >= 6 / < 6 wording).
    program: 'redis-py',
    source: 'redis/_parsers/base.py',
    template:
      'AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
    pattern:
      /AUTH <password> called without any password configured for the default user|Client sent AUTH, but no password is set/,
    cause: 'redis_unreachable',
  },

  // --- the server cannot persist -------------------------------------------------------------------
  {
    // stop-writes-on-bgsave-error: Redis refuses writes because its last RDB (or AOF) save failed. The
    // save fails mostly because Redis's volume is full (or its directory is not writable, or fork had no
    // memory): disk_full is the cause that fits and its first command (df) tells which.
    program: 'redis',
    source: 'src/server.c',
    template:
      'MISCONF Redis is configured to save RDB snapshots, but it is currently not able to persist on disk.',
    pattern: /MISCONF Redis is configured to (?:save RDB snapshots|persist data to AOF)/,
    cause: 'disk_full',
    weak: true,
  },

  // --- the URL itself ----------------------------------------------------------------------------
  {
    // redis-py parse_url (from_url, Celery/RQ/django-redis settings): "localhost:6379" without a scheme.
    program: 'redis-py',
    source: 'redis/connection.py',
    template: 'Redis URL must specify one of the following schemes (redis://, rediss://, unix://)',
    pattern: /Redis URL must specify one of the following schemes/,
    cause: 'bad_config_value',
  },
];
