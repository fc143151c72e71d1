// The pure parts of the host probes on real samples. test/fixtures/proc/ was captured on a Linux
// x86_64 host (`cat /proc/net/tcp` etc.) while node servers listened on 127.0.0.1:18080, [::]:18443,
// [::1]:18081, [::ffff:127.0.0.1]:18082, /tmp/cap/app.sock and the abstract @medic-abstract, next
// to a PostgreSQL on 127.0.0.1:55432; test/fixtures/redis/ is `redis-cli INFO memory` of Redis 7.0.15.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import pg from 'pg';
import { ConnectionTimeoutError, SimpleError } from 'redis';
import { parseMeminfo } from '../../src/host/disk.ts';
import { classifyDnsError, isLocalAddress } from '../../src/host/dns.ts';
import { hostAt } from '../../src/host/host.ts';
import { classifyHttpError } from '../../src/host/http.ts';
import {
  decodeProcAddress,
  parentPidOf,
  parseProcNetTcp,
  parseProcNetUnix,
  socketInodeOf,
} from '../../src/host/listeners.ts';
import { classifyConnectError } from '../../src/host/net.ts';
import { classifyPgError } from '../../src/host/postgres.ts';
import { redactPassword } from '../../src/host/probe.ts';
import { classifyRedisError, parseRedisMemoryInfo } from '../../src/host/redis.ts';
import { altNamesOf, isTlsErrorCode } from '../../src/host/tls.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');

/** A socket error as node produces it (`connect ECONNREFUSED 127.0.0.1:5432`). */
function socketError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code, syscall: 'connect' });
}

/** A server error as pg's protocol parser builds it from an ErrorResponse message. */
function pgServerError(code: string, message: string, severity = 'FATAL'): Error {
  return Object.assign(new pg.DatabaseError(message, message.length + 50, 'error'), { code, severity });
}

test('/proc/net/tcp: only LISTEN sockets, addresses and ports decoded, uid and inode kept', () => {
  const listening = parseProcNetTcp(fixture('proc/net-tcp.txt'), 'LE');
  assert.deepEqual(listening, [
    { kind: 'tcp', address: '0.0.0.0', port: 2024, uid: 0, inode: 1583 },
    { kind: 'tcp', address: '127.0.0.1', port: 55432, uid: 65534, inode: 795651 },
    { kind: 'tcp', address: '127.0.0.1', port: 18080, uid: 0, inode: 796091 },
  ]);
});

test('/proc/net/tcp6: any, loopback and v4-mapped addresses in canonical form', () => {
  const listening = parseProcNetTcp(fixture('proc/net-tcp6.txt'), 'LE');
  assert.deepEqual(
    listening.map((l) => `[${l.address}]:${l.port}`),
    ['[::]:18443', '[::1]:18081', '[::ffff:127.0.0.1]:18082'],
  );
  assert.equal(listening[0]?.inode, 796092);
});

test('/proc/net addresses follow the byte order of the machine that wrote them', () => {
  assert.equal(decodeProcAddress('0100007F', 'LE'), '127.0.0.1');
  assert.equal(decodeProcAddress('7F000001', 'BE'), '127.0.0.1');
  assert.equal(decodeProcAddress('00000000000000000000000000000001', 'BE'), '::1');
  assert.equal(decodeProcAddress('B80D0120000000000000000001000000', 'LE'), '2001:db8::1');
  assert.equal(decodeProcAddress('zz', 'LE'), undefined);
});

test('/proc/net/unix: listening sockets with a name; connected and unnamed ones skipped', () => {
  assert.deepEqual(parseProcNetUnix(fixture('proc/net-unix.txt')), [
    { kind: 'unix', path: '/tmp/medic-pg/.s.PGSQL.55432', inode: 795652 },
    { kind: 'unix', path: '/tmp/cap/app.sock', inode: 796095 },
    { kind: 'unix', path: '@medic-abstract', inode: 796096 },
  ]);
});

test('fd links and /proc/PID/stat: socket inodes and the parent pid', () => {
  assert.equal(socketInodeOf('socket:[796091]'), 796091);
  assert.equal(socketInodeOf('pipe:[796084]'), undefined);
  assert.equal(socketInodeOf('/dev/null'), undefined);
  // A command with spaces and parentheses, as a Gunicorn master renames itself.
  assert.equal(parentPidOf('4312 (gunicorn: master [app (prod)]) S 1 4312 4312 0 -1 4194560'), 1);
  assert.equal(parentPidOf('4313 (gunicorn) S 4312 4312 4312 0 -1'), 4312);
});

test('/proc/meminfo: total, available, used share and swap in bytes', () => {
  assert.deepEqual(parseMeminfo(fixture('proc/meminfo.txt')), {
    totalBytes: 24684084 * 1024,
    availableBytes: 24255156 * 1024,
    usedPercent: 1.7,
    swapTotalBytes: 0,
    swapFreeBytes: 0,
  });
});

test('/proc/meminfo of a kernel without MemAvailable: free plus buffers and cache', () => {
  const old =
    'MemTotal:  1000 kB\nMemFree:  100 kB\nBuffers:  50 kB\nCached:  250 kB\nSwapTotal: 512 kB\nSwapFree: 256 kB\n';
  const m = parseMeminfo(old);
  assert.equal(m?.availableBytes, 400 * 1024);
  assert.equal(m?.usedPercent, 60);
  assert.equal(m?.swapFreeBytes, 256 * 1024);
  assert.equal(parseMeminfo('not meminfo'), undefined);
});

test('Redis INFO memory: used memory, the limit and the eviction policy', () => {
  assert.deepEqual(parseRedisMemoryInfo(fixture('redis/info-memory.txt')), {
    usedMemory: 990416,
    maxmemory: 1048576,
    maxmemoryPolicy: 'noeviction',
  });
  assert.deepEqual(parseRedisMemoryInfo(''), {});
});

test('PostgreSQL errors by SQLSTATE, with the messages the server sends', () => {
  const cases: [Error, string][] = [
    [pgServerError('28P01', 'password authentication failed for user "medic"'), 'auth_failed'],
    [
      pgServerError('28000', 'no pg_hba.conf entry for host "10.0.0.5", user "app", database "app", SSL off'),
      'auth_failed',
    ],
    [pgServerError('3D000', 'database "nodb" does not exist'), 'database_missing'],
    [pgServerError('53300', 'sorry, too many clients already'), 'too_many_connections'],
    [pgServerError('57P03', 'the database system is starting up'), 'starting_up'],
    [pgServerError('57014', 'canceling statement due to statement timeout', 'ERROR'), 'timeout'],
    [pgServerError('42601', 'syntax error at or near "selec"', 'ERROR'), 'other'],
  ];
  for (const [err, kind] of cases) {
    const c = classifyPgError(err);
    assert.equal(c.kind, kind, err.message);
    assert.equal(c.message, err.message);
  }
});

test('PostgreSQL client-side errors: socket, DNS, timeout and SSL', () => {
  const cases: [Error, string][] = [
    [socketError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'), 'refused'],
    [socketError('ENOENT', 'connect ENOENT /var/run/postgresql/.s.PGSQL.5432'), 'socket_missing'],
    [socketError('ENOTFOUND', 'getaddrinfo ENOTFOUND db.internal'), 'not_found_host'],
    [socketError('EAI_AGAIN', 'getaddrinfo EAI_AGAIN db.internal'), 'not_found_host'],
    [new Error('timeout expired'), 'timeout'],
    [new Error('Connection terminated due to connection timeout'), 'timeout'],
    [new Error('Query read timeout'), 'timeout'],
    [new Error('The server does not support SSL connections'), 'ssl'],
    [socketError('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'), 'ssl'],
    [new Error('Connection terminated unexpectedly'), 'other'],
  ];
  for (const [err, kind] of cases) assert.equal(classifyPgError(err).kind, kind, err.message);
});

test('PostgreSQL: a URL without the password the server asks for is an auth failure', () => {
  const err = new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string');
  const c = classifyPgError(err);
  assert.equal(c.kind, 'auth_failed');
  assert.match(c.message, /URL has none/);
});

test('the password of the URL never appears in a message, as written or percent-decoded', () => {
  const url = 'postgresql://app:p%40ss-w0rd@db.internal:5432/app';
  const err = new Error('could not connect to postgresql://app:p%40ss-w0rd@db.internal:5432/app (p@ss-w0rd)');
  const c = classifyPgError(err, url);
  assert.ok(!c.message.includes('p%40ss-w0rd') && !c.message.includes('p@ss-w0rd'), c.message);
  assert.match(c.message, /app:\*\*\*@db\.internal/);
  assert.equal(
    redactPassword('redis://:hunter22@cache:6379 refused', 'redis://:hunter22@cache:6379'),
    'redis://:***@cache:6379 refused',
  );
  assert.equal(redactPassword('nothing to hide', 'postgres://localhost/app'), 'nothing to hide');
});

test('Redis replies and client errors', () => {
  const cases: [Error, string][] = [
    [new SimpleError('WRONGPASS invalid username-password pair or user is disabled.'), 'auth_failed'],
    [new SimpleError('NOAUTH Authentication required.'), 'auth_failed'],
    [new SimpleError('ERR invalid password'), 'auth_failed'],
    [new SimpleError('LOADING Redis is loading the dataset in memory'), 'loading'],
    [new SimpleError("OOM command not allowed when used memory > 'maxmemory'."), 'oom'],
    [
      new SimpleError(
        'MISCONF Redis is configured to save RDB snapshots, but it is currently not able to persist on disk.',
      ),
      'misconf',
    ],
    [new ConnectionTimeoutError(), 'timeout'],
    [socketError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:6379'), 'refused'],
    [socketError('ENOENT', 'connect ENOENT /run/redis/redis.sock'), 'refused'],
    [socketError('ENOTFOUND', 'getaddrinfo ENOTFOUND cache.internal'), 'not_found_host'],
    [new SimpleError('ERR unknown command'), 'other'],
  ];
  for (const [err, kind] of cases) assert.equal(classifyRedisError(err).kind, kind, err.message);
});

test('connect errors: each errno names what the user sees', () => {
  const cases: [string, string][] = [
    ['ECONNREFUSED', 'refused'],
    ['ENOENT', 'not_found'],
    ['EAGAIN', 'busy'],
    ['EACCES', 'permission'],
    ['ETIMEDOUT', 'timeout'],
    ['EHOSTUNREACH', 'unreachable'],
    ['ENETUNREACH', 'unreachable'],
    ['ENOTFOUND', 'dns'],
    ['ECONNRESET', 'other'],
  ];
  for (const [code, kind] of cases) {
    const c = classifyConnectError(socketError(code, `connect ${code}`), '127.0.0.1:8000');
    assert.equal(c.kind, kind, code);
    assert.match(c.message, /127\.0\.0\.1:8000/);
  }
  // Happy eyeballs: every address failed, the first one's code speaks for all.
  const both = new AggregateError([socketError('ECONNREFUSED', 'a'), socketError('ECONNREFUSED', 'b')], '');
  assert.equal(classifyConnectError(both, 'localhost:8000').kind, 'refused');
});

test('HTTP errors: TLS verification, non-HTTP answers, resets, then the connect errors', () => {
  const cases: [string, string][] = [
    ['CERT_HAS_EXPIRED', 'tls'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'tls'],
    ['HPE_INVALID_CONSTANT', 'protocol'],
    ['ECONNRESET', 'reset'],
    ['ECONNREFUSED', 'refused'],
    ['ENOENT', 'not_found'],
  ];
  for (const [code, kind] of cases) {
    const c = classifyHttpError(socketError(code, code), 'https://site.test/health');
    assert.equal(c.kind, kind, code);
  }
  assert.equal(isTlsErrorCode('ECONNREFUSED'), false);
  assert.equal(isTlsErrorCode(undefined), false);
});

test('DNS errors: no such name, no answer now, and a server that timed out', () => {
  assert.equal(classifyDnsError(socketError('ENOTFOUND', 'getaddrinfo ENOTFOUND x'), 'x').kind, 'not_found');
  assert.equal(classifyDnsError(socketError('EAI_AGAIN', 'getaddrinfo EAI_AGAIN x'), 'x').kind, 'temporary');
  assert.equal(classifyDnsError(socketError('ETIMEOUT', 'queryA ETIMEOUT x'), 'x').kind, 'timeout');
});

test('local addresses: loopback ranges, their v4-mapped forms and the interfaces of the host', () => {
  // os.networkInterfaces() of the host the /proc samples come from.
  const interfaces = {
    eth0: [
      {
        address: '192.0.2.2',
        netmask: '255.255.255.0',
        family: 'IPv4',
        mac: '02:fc:00:00:00:01',
        internal: false,
        cidr: '192.0.2.2/24',
      },
      {
        address: 'fd00::2',
        netmask: 'ffff:ffff:ffff:ffff::',
        family: 'IPv6',
        mac: '02:fc:00:00:00:01',
        internal: false,
        cidr: 'fd00::2/64',
        scopeid: 0,
      },
    ],
  } as const satisfies ReturnType<typeof import('node:os').networkInterfaces>;
  const local = (a: string) => isLocalAddress(a, interfaces);
  for (const a of [
    '127.0.0.1',
    '127.1.2.3',
    '::1',
    '::ffff:127.0.0.1',
    '192.0.2.2',
    'fd00::2',
    '[fd00::2]',
    'fd00:0::2',
  ])
    assert.equal(local(a), true, a);
  for (const a of ['192.0.2.3', '8.8.8.8', '2001:db8::1', '0.0.0.0', '::', 'site.test', ''])
    assert.equal(local(a), false, a);
});

test('certificate altNames without their type prefix', () => {
  assert.deepEqual(altNamesOf('DNS:site.test, DNS:*.site.test, IP Address:127.0.0.1'), [
    'site.test',
    '*.site.test',
    '127.0.0.1',
  ]);
  assert.deepEqual(altNamesOf(undefined), []);
});

test('a host rooted elsewhere maps paths under its root and cannot climb out', () => {
  const box = hostAt('/srv/box');
  assert.equal(box.path('/etc/nginx/nginx.conf'), '/srv/box/etc/nginx/nginx.conf');
  assert.equal(box.path('/etc/../../../etc/shadow'), '/srv/box/etc/shadow');
  assert.equal(box.path('relative/file'), '/srv/box/relative/file');
  assert.equal(box.procRoot, '/srv/box/proc');
  assert.equal(hostAt('/').path('/etc/hosts'), '/etc/hosts');
  const fixed = new Date('2026-11-21T20:00:00Z');
  assert.equal(hostAt('/', () => fixed).now(), fixed);
});
