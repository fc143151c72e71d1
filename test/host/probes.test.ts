// The host probes against real servers this test starts itself: node TCP, unix-socket, HTTP and
// HTTPS servers (certificates made with the openssl CLI), and, when their binaries are installed,
// a throwaway PostgreSQL cluster and Redis server. Every case asserts what a user would be told.
import assert from 'node:assert/strict';
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  chownSync,
  constants,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { networkInterfaces, tmpdir, totalmem } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import pg from 'pg';
import { diskUsage, memory } from '../../src/host/disk.ts';
import { isLocalAddress, resolveName } from '../../src/host/dns.ts';
import { type Host, hostAt, localHost } from '../../src/host/host.ts';
import { httpGet } from '../../src/host/http.ts';
import { listenerOnPath, listeners, listenersOn } from '../../src/host/listeners.ts';
import { connectAndHold, connectTcp, connectUnix } from '../../src/host/net.ts';
import { lastMigration, probePostgres } from '../../src/host/postgres.ts';
import { probeRedis } from '../../src/host/redis.ts';
import { run } from '../../src/host/run.ts';
import { snapshotOf } from '../../src/host/snapshot.ts';
import { certificateFile, peerCertificate } from '../../src/host/tls.ts';

const work = mkdtempSync(join(tmpdir(), 'medic-probes-'));
after(() => rmSync(work, { recursive: true, force: true }));

const isRoot = process.getuid?.() === 0;
const SHORT = 400; // the deadline of probes that are meant to time out

/** An executable on PATH (or in one of `extra` directories), if there is one. */
function which(cmd: string, extra: string[] = []): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), ...extra]) {
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      return join(dir, cmd);
    } catch {
      // not here
    }
  }
  return undefined;
}

function listening<S extends Server>(server: S, ...args: unknown[]): Promise<S> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    (server.listen as (...a: unknown[]) => void)(...args, () => resolve(server));
  });
}

function portOf(server: Server): number {
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  return address.port;
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = await listening(createServer(), 0, '127.0.0.1');
  const port = portOf(server);
  await new Promise((r) => server.close(r));
  return port;
}

/** A server that accepts connections and never says a word: a hung database, a stuck app. */
async function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = await listening(
    createServer((s) => {
      sockets.add(s);
      s.on('error', () => {});
    }),
    0,
    '127.0.0.1',
  );
  return {
    port: portOf(server),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

function closeServer(server: Server): Promise<void> {
  (server as HttpServer).closeAllConnections?.();
  return new Promise((r) => server.close(() => r()));
}

describe('run', { timeout: 60_000 }, () => {
  test('a missing command is a not_found failure, not a throw', async () => {
    const r = await run('medic-no-such-command', ['--version'], { timeoutMs: 2000 });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.error.kind, 'not_found');
    assert.match(!r.ok ? r.error.message : '', /medic-no-such-command/);
  });

  test("a bare name is looked up on the command's own PATH, and one on none of it is not_found", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medic-path-'));
    writeFileSync(join(dir, 'medic-here'), '#!/bin/sh\necho found\n', { mode: 0o755 });
    const env = { PATH: `/nonexistent:${dir}` };
    const found = await run('medic-here', [], { timeoutMs: 5000, env });
    assert.ok(found.ok);
    assert.equal(found.value.stdout, 'found\n');
    const missing = await run('medic-here', [], { timeoutMs: 5000 });
    assert.equal(!missing.ok && missing.error.kind, 'not_found');
    rmSync(dir, { recursive: true });
  });

  test('one look at a host: a read-only command runs once for every asker, any other each time', async () => {
    const asked: string[] = [];
    const counting: Host = {
      ...hostAt('/'),
      run: (cmd, args, options) => {
        asked.push([cmd, ...args].join(' '));
        return run('true', [], options);
      },
    };
    const host = snapshotOf(counting);
    const o = { timeoutMs: 5000 };
    await Promise.all([
      host.run('nginx', ['-T'], o),
      host.run('nginx', ['-T'], o),
      host.run('nginx', ['-t'], o),
    ]);
    await host.run('journalctl', ['-k', '-b'], o);
    await host.run('journalctl', ['-k', '-b'], o);
    await host.run('systemctl', ['restart', 'app.service'], o);
    await host.run('systemctl', ['restart', 'app.service'], o);
    // as another user, or with input: not the same question
    await host.run('journalctl', ['-k', '-b'], { ...o, env: { PATH: '/usr/bin' } });
    assert.deepEqual(asked, [
      'nginx -T',
      'nginx -t',
      'journalctl -k -b',
      'systemctl restart app.service',
      'systemctl restart app.service',
      'journalctl -k -b',
    ]);
  });

  test('exit code, stdout and stderr of a command that fails', async () => {
    const r = await run('sh', ['-c', 'echo out; echo err >&2; exit 3'], { timeoutMs: 5000 });
    assert.ok(r.ok);
    assert.deepEqual(
      { code: r.value.code, stdout: r.value.stdout, stderr: r.value.stderr, timedOut: r.value.timedOut },
      { code: 3, stdout: 'out\n', stderr: 'err\n', timedOut: false },
    );
  });

  test('input is written to stdin', async () => {
    const r = await run('cat', [], { timeoutMs: 5000, input: 'journal line\n' });
    assert.ok(r.ok);
    assert.equal(r.value.stdout, 'journal line\n');
  });

  test('a command past its deadline is killed with the children it started', async () => {
    const r = await run('sh', ['-c', 'sleep 30 & echo $!; wait'], { timeoutMs: 300 });
    assert.ok(r.ok);
    assert.equal(r.value.timedOut, true);
    assert.ok(r.ms < 3000, `settled after ${r.ms} ms`);
    const sleeper = Number(r.value.stdout.trim());
    assert.ok(sleeper > 0, r.value.stdout);
    await new Promise((resolve) => setTimeout(resolve, 200));
    let state = 'gone';
    try {
      state = readFileSync(`/proc/${sleeper}/stat`, 'utf8').split(') ')[1]?.[0] ?? 'gone';
    } catch {
      // no such process any more
    }
    assert.ok(state === 'gone' || state === 'Z', `the child sleep is still running (state ${state})`);
  });

  test('a huge output is cut at maxBytes and the command still completes', async () => {
    const r = await run('head', ['-c', String(50 * 1024 * 1024), '/dev/zero'], {
      timeoutMs: 20000,
      maxBytes: 1024 * 1024,
    });
    assert.ok(r.ok);
    assert.equal(r.value.code, 0);
    assert.equal(r.value.stdout.length, 1024 * 1024);
    assert.equal(r.value.truncated, true);
    assert.equal(r.value.timedOut, false);
  });

  test('a command that exits while a daemon it started holds its stdout still settles', async () => {
    const r = await run('sh', ['-c', 'setsid sleep 3 & echo started'], { timeoutMs: 500 });
    assert.ok(r.ok);
    assert.equal(r.value.code, 0);
    assert.equal(r.value.stdout, 'started\n');
    assert.equal(r.value.timedOut, false);
    assert.ok(r.ms < 2500, `settled after ${r.ms} ms`);
  });
});

describe('TCP: listeners and connections', { timeout: 60_000 }, () => {
  test('a listening port is found with its process, connects, and is refused once closed', async () => {
    const server = await listening(createServer(), 0, '127.0.0.1');
    const port = portOf(server);
    const found = await listenersOn(port);
    assert.ok(found.ok, JSON.stringify(found));
    assert.equal(found.value.length, 1);
    assert.equal(found.value[0]?.address, '127.0.0.1');
    assert.equal(found.value[0]?.pid, process.pid);
    assert.equal(found.value[0]?.command, readFileSync('/proc/self/comm', 'utf8').trim());
    assert.match(found.value[0]?.cmdline ?? '', /probes\.test\.ts/);

    const connected = await connectTcp('127.0.0.1', port, 2000);
    assert.ok(connected.ok, JSON.stringify(connected));
    assert.equal(connected.value.remoteAddress, '127.0.0.1');

    await closeServer(server);
    const refused = await connectTcp('127.0.0.1', port, 2000);
    assert.equal(!refused.ok && refused.error.kind, 'refused');
    const none = await listenersOn(port);
    assert.ok(none.ok);
    assert.deepEqual(none.value, []);
  });

  test('held or hung up: a server that waits for the client, and a proxy with nothing behind it', async () => {
    const waits = await listening(createServer(), 0, '127.0.0.1');
    // what docker-proxy does when the container refuses it: accept, then close at once
    const hangsUp = await listening(
      createServer((socket) => socket.end()),
      0,
      '127.0.0.1',
    );
    const held = await connectAndHold('127.0.0.1', portOf(waits), 300, 2000);
    assert.ok(held.ok && held.value.held, JSON.stringify(held));
    const port = portOf(hangsUp);
    const dropped = await connectAndHold('127.0.0.1', port, 300, 2000);
    assert.ok(dropped.ok && !dropped.value.held, JSON.stringify(dropped));
    await closeServer(hangsUp);
    const refused = await connectAndHold('127.0.0.1', port, 300, 2000);
    assert.equal(!refused.ok && refused.error.kind, 'refused');
    await closeServer(waits);
  });

  test('an IPv6 loopback listener is reported as ::1', async (t) => {
    let server: Server;
    try {
      server = await listening(createServer(), 0, '::1');
    } catch {
      t.skip('this host has no IPv6 loopback');
      return;
    }
    const found = await listenersOn(portOf(server));
    await closeServer(server);
    assert.ok(found.ok);
    assert.deepEqual(
      found.value.map((l) => [l.address, l.pid]),
      [['::1', process.pid]],
    );
  });

  test('a socket shared with a worker process is owned by the process that opened it', async () => {
    const server = await listening(createServer(), 0, '127.0.0.1');
    // A pre-fork worker: it holds a duplicate of the listening socket, as Gunicorn's workers do.
    const script = join(work, 'worker.cjs');
    writeFileSync(
      script,
      "process.on('message', (m, handle) => { globalThis.kept = handle; process.send('held'); });",
    );
    const worker = fork(script, [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    try {
      await new Promise<void>((resolve) => {
        worker.once('message', () => resolve());
        worker.send('hold', server);
      });
      const found = await listenersOn(portOf(server));
      assert.ok(found.ok);
      assert.equal(found.value[0]?.pid, process.pid);
    } finally {
      worker.kill('SIGKILL');
      await closeServer(server);
    }
  });

  test('a SYN nobody answers times out at the deadline', async (t) => {
    const python = which('python3');
    if (!python) return t.skip('python3 is needed to hold a listen backlog full without accepting');
    // A listener that never accepts: once its backlog is full, the kernel drops new SYNs.
    const holder = spawn(
      python,
      [
        '-c',
        'import socket,sys,time\ns=socket.socket();s.bind(("127.0.0.1",0));s.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(60)',
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    try {
      const port = Number(await firstLine(holder));
      for (let i = 0; i < 8; i++) {
        // Each completed connect sits in the accept queue (connectTcp closes only its own end).
        const r = await connectTcp('127.0.0.1', port, 300);
        if (!r.ok) break; // the backlog is full: the next connect will hang too
      }
      const r = await connectTcp('127.0.0.1', port, SHORT);
      assert.equal(!r.ok && r.error.kind, 'timeout');
      assert.ok(r.ms >= SHORT - 5 && r.ms < SHORT + 1000, `${r.ms} ms`);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  test('the whole listener table names this process for its sockets', async () => {
    const server = await listening(createServer(), 0, '127.0.0.1');
    const port = portOf(server);
    const all = await listeners();
    await closeServer(server);
    assert.ok(all.ok);
    assert.ok(all.value.some((l) => l.kind === 'tcp' && l.port === port && l.pid === process.pid));
  });
});

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(text.split('\n')[0] ?? '');
    });
    child.once('exit', () => reject(new Error('exited before printing a line')));
  });
}

describe('unix sockets', { timeout: 60_000 }, () => {
  test('a listening socket is found with its process, connects, and is not_found once removed', async () => {
    const path = join(work, 'app.sock');
    const server = await listening(createServer(), path);
    const found = await listenerOnPath(path);
    assert.ok(found.ok);
    assert.equal(found.value?.pid, process.pid);
    const connected = await connectUnix(path, 2000);
    assert.ok(connected.ok, JSON.stringify(connected));

    await closeServer(server); // node removes the socket file on close
    const missing = await connectUnix(path, 2000);
    assert.equal(!missing.ok && missing.error.kind, 'not_found');
    const gone = await listenerOnPath(path);
    assert.ok(gone.ok);
    assert.equal(gone.value, undefined);
  });

  test('a socket file left by a killed server is refused (the stale socket of a crashed app)', async () => {
    const path = join(work, 'crashed.sock');
    const app = spawn(
      process.execPath,
      ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    assert.equal(await firstLine(app), 'up');
    app.kill('SIGKILL');
    await new Promise((r) => app.once('exit', r));
    const r = await connectUnix(path, 2000);
    assert.equal(!r.ok && r.error.kind, 'refused');
    const found = await listenerOnPath(path);
    assert.ok(found.ok);
    assert.equal(found.value, undefined);
  });

  test('a socket whose backlog is full is busy (an app that stopped accepting)', async (t) => {
    const python = which('python3');
    if (!python) return t.skip('python3 is needed to hold a listen backlog full without accepting');
    const path = join(work, 'stuck.sock');
    const holder = spawn(
      python,
      [
        '-c',
        `import socket,time\ns=socket.socket(socket.AF_UNIX);s.bind(${JSON.stringify(path)});s.listen(0)\nprint("up",flush=True)\ntime.sleep(60)`,
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    try {
      assert.equal(await firstLine(holder), 'up');
      let last: Awaited<ReturnType<typeof connectUnix>> | undefined;
      for (let i = 0; i < 8; i++) {
        // Connections closed by the client still wait in the accept queue, and fill it.
        last = await connectUnix(path, 1000);
        if (!last.ok) break;
      }
      assert.equal(last && !last.ok && last.error.kind, 'busy', JSON.stringify(last));
    } finally {
      holder.kill('SIGKILL');
    }
  });

  test('a socket in a directory the user may not enter is a permission failure', async (t) => {
    if (isRoot) return t.skip('root bypasses directory permissions, so EACCES cannot happen as root');
    const dir = join(work, 'locked');
    mkdirSync(dir);
    const path = join(dir, 'app.sock');
    const server = await listening(createServer(), path);
    chmodSync(dir, 0);
    try {
      const r = await connectUnix(path, 2000);
      assert.equal(!r.ok && r.error.kind, 'permission');
    } finally {
      chmodSync(dir, 0o700);
      await closeServer(server);
    }
  });
});

describe('dns', { timeout: 60_000 }, () => {
  test('localhost resolves through /etc/hosts to a loopback address', async () => {
    const r = await resolveName('localhost', 3000);
    assert.ok(r.ok, JSON.stringify(r));
    assert.ok(r.value.addresses.length > 0);
    assert.ok(
      r.value.addresses.every((a) => isLocalAddress(a)),
      r.value.addresses.join(' '),
    );
  });

  test('an IP literal resolves to itself without asking DNS', async () => {
    const r = await resolveName('127.0.0.1', 3000);
    assert.ok(r.ok);
    assert.deepEqual(r.value, { name: '127.0.0.1', addresses: ['127.0.0.1'] });
  });

  test('a name under .invalid does not resolve', async () => {
    const r = await resolveName('medic-no-such-host.invalid', 3000);
    assert.equal(r.ok, false);
    // not_found where a DNS server answers NXDOMAIN; temporary on a host with no DNS server at all.
    assert.ok(!r.ok && ['not_found', 'temporary'].includes(r.error.kind), JSON.stringify(r));
  });

  test('every address of every interface of this host is local', () => {
    for (const list of Object.values(networkInterfaces())) {
      for (const info of list ?? []) assert.equal(isLocalAddress(info.address), true, info.address);
    }
  });
});

describe('tls and https', { timeout: 60_000 }, () => {
  const certs = join(work, 'certs');
  const servers: Server[] = [];
  const ports = { selfSigned: 0, expired: 0, valid: 0, plain: 0 };
  let silent: Awaited<ReturnType<typeof silentServer>>;
  let fingerprint = '';

  before(async () => {
    mkdirSync(join(certs, 'db'), { recursive: true });
    writeFileSync(join(certs, 'db', 'index.txt'), '');
    writeFileSync(join(certs, 'ca.cnf'), CA_CONFIG);
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: certs, stdio: 'pipe' });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    const site = ['-subj', '/CN=site.test', '-addext', 'subjectAltName=DNS:site.test'];
    openssl(
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-subj',
      '/CN=medic test CA',
      '-days',
      '2',
    );
    openssl('req', '-x509', ...ec, '-keyout', 'self.key', '-out', 'self.pem', ...site, '-days', '1');
    for (const name of ['old', 'leaf']) {
      openssl('req', '-new', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, ...site);
    }
    // `openssl ca` sets any validity period, in the past too, on every OpenSSL version.
    const sign = (name: string, ...dates: string[]) =>
      openssl(
        'ca',
        '-batch',
        '-config',
        'ca.cnf',
        '-notext',
        '-in',
        `${name}.csr`,
        '-out',
        `${name}.pem`,
        ...dates,
      );
    sign('old', '-startdate', '20200101000000Z', '-enddate', '20200102000000Z');
    sign('leaf', '-days', '30');
    writeFileSync(
      join(certs, 'fullchain.pem'),
      readFileSync(join(certs, 'leaf.pem'), 'utf8') + readFileSync(join(certs, 'ca.pem'), 'utf8'),
    );
    fingerprint = openssl('x509', '-in', 'self.pem', '-noout', '-fingerprint', '-sha256')
      .toString()
      .trim()
      .replace(/^.*=/, '');

    const https = async (name: string) => {
      const server = createHttpsServer(
        { key: readFileSync(join(certs, `${name}.key`)), cert: readFileSync(join(certs, `${name}.pem`)) },
        (req, res) => {
          const servername = (req.socket as TLSSocket).servername;
          res.end(JSON.stringify({ host: req.headers.host, servername }));
        },
      );
      servers.push(await listening(server, 0, '127.0.0.1'));
      return portOf(server);
    };
    ports.selfSigned = await https('self');
    ports.expired = await https('old');
    ports.valid = await https('leaf');
    const plain = createHttpServer((_req, res) => res.end('plain'));
    servers.push(await listening(plain, 0, '127.0.0.1'));
    ports.plain = portOf(plain);
    silent = await silentServer();
  });

  after(async () => {
    await Promise.all(servers.map(closeServer));
    await silent.close();
  });

  test('a self-signed certificate is read and reported as such', async () => {
    const r = await peerCertificate('127.0.0.1', ports.selfSigned, 'site.test', 3000);
    assert.ok(r.ok, JSON.stringify(r));
    const c = r.value;
    assert.equal(c.authorized, false);
    assert.equal(c.authorizationError, 'DEPTH_ZERO_SELF_SIGNED_CERT');
    assert.equal(c.subjectCN, 'site.test');
    assert.deepEqual(c.altNames, ['site.test']);
    assert.equal(c.selfSigned, true);
    assert.equal(c.nameMatches, true);
    assert.ok(c.daysLeft === 0 || c.daysLeft === 1, `daysLeft ${c.daysLeft}`);
    assert.equal(c.fingerprint256, fingerprint);
  });

  test('an expired certificate is still read, with its dates and CERT_HAS_EXPIRED', async () => {
    const ca = readFileSync(join(certs, 'ca.pem'));
    const r = await peerCertificate('127.0.0.1', ports.expired, 'site.test', 3000, { ca });
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.value.authorized, false);
    assert.equal(r.value.authorizationError, 'CERT_HAS_EXPIRED');
    assert.equal(r.value.validFrom, '2020-01-01T00:00:00.000Z');
    assert.equal(r.value.validTo, '2020-01-02T00:00:00.000Z');
    assert.ok(r.value.daysLeft < -365, `daysLeft ${r.value.daysLeft}`);
    assert.equal(r.value.issuer, 'CN=medic test CA');
    assert.equal(r.value.selfSigned, false);
  });

  test('a valid certificate for another name fails on the name alone', async () => {
    const ca = readFileSync(join(certs, 'ca.pem'));
    const good = await peerCertificate('127.0.0.1', ports.valid, 'site.test', 3000, { ca });
    assert.ok(good.ok);
    assert.equal(good.value.authorized, true);
    assert.equal(good.value.authorizationError, undefined);
    assert.ok(good.value.daysLeft >= 29 && good.value.daysLeft <= 30, `daysLeft ${good.value.daysLeft}`);
    const other = await peerCertificate('127.0.0.1', ports.valid, 'other.test', 3000, { ca });
    assert.ok(other.ok);
    assert.equal(other.value.authorized, false);
    assert.equal(other.value.authorizationError, 'ERR_TLS_CERT_ALTNAME_INVALID');
    assert.equal(other.value.nameMatches, false);
  });

  test('TLS to a plain HTTP port fails the handshake; a closed port is refused; silence times out', async () => {
    const plain = await peerCertificate('127.0.0.1', ports.plain, 'site.test', 3000);
    assert.equal(!plain.ok && plain.error.kind, 'handshake', JSON.stringify(plain));
    const closed = await peerCertificate('127.0.0.1', await closedPort(), 'site.test', 3000);
    assert.equal(!closed.ok && closed.error.kind, 'refused');
    const hung = await peerCertificate('127.0.0.1', silent.port, 'site.test', SHORT);
    assert.equal(!hung.ok && hung.error.kind, 'timeout');
    assert.ok(hung.ms < SHORT + 1000);
  });

  test('certificate files: the leaf of a full chain, an expired one, a missing one, a key', async () => {
    const chain = await certificateFile(join(certs, 'fullchain.pem'));
    assert.ok(chain.ok, JSON.stringify(chain));
    assert.equal(chain.value.subjectCN, 'site.test');
    assert.equal(chain.value.certificatesInFile, 2);
    const expired = await certificateFile(join(certs, 'old.pem'), new Date('2020-01-01T12:00:00Z'));
    assert.ok(expired.ok);
    assert.equal(expired.value.validTo, '2020-01-02T00:00:00.000Z');
    assert.equal(expired.value.daysLeft, 0);
    const missing = await certificateFile(join(certs, 'nope.pem'));
    assert.equal(!missing.ok && missing.error.kind, 'not_found');
    const key = await certificateFile(join(certs, 'leaf.key'));
    assert.equal(!key.ok && key.error.kind, 'invalid');
  });

  test('https with connectTo keeps the Host header and SNI of the URL (curl --resolve)', async () => {
    const r = await httpGet(`https://site.test:${ports.valid}/health`, {
      timeoutMs: 3000,
      connectTo: { host: '127.0.0.1', port: ports.valid },
      caFile: join(certs, 'ca.pem'),
    });
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.value.status, 200);
    assert.deepEqual(JSON.parse(r.value.body), { host: `site.test:${ports.valid}`, servername: 'site.test' });
  });

  test('https refuses an expired or self-signed certificate unless told not to verify', async () => {
    const expired = await httpGet(`https://site.test:${ports.expired}/`, {
      timeoutMs: 3000,
      connectTo: { host: '127.0.0.1', port: ports.expired },
      caFile: join(certs, 'ca.pem'),
    });
    assert.equal(!expired.ok && expired.error.kind, 'tls');
    assert.match(!expired.ok ? expired.error.message : '', /CERT_HAS_EXPIRED/);
    const self = await httpGet(`https://127.0.0.1:${ports.selfSigned}/`, { timeoutMs: 3000 });
    assert.equal(!self.ok && self.error.kind, 'tls');
    assert.match(!self.ok ? self.error.message : '', /DEPTH_ZERO_SELF_SIGNED_CERT/);
    const insecure = await httpGet(`https://127.0.0.1:${ports.selfSigned}/`, {
      timeoutMs: 3000,
      rejectUnauthorized: false,
    });
    assert.ok(insecure.ok);
    assert.equal(insecure.value.status, 200);
  });

  test('a CA file that cannot be read is named as such', async () => {
    const r = await httpGet(`https://127.0.0.1:${ports.valid}/`, {
      timeoutMs: 3000,
      caFile: join(certs, 'missing-ca.pem'),
    });
    assert.equal(!r.ok && r.error.kind, 'ca_file');
  });
});

const CA_CONFIG = `[ca]
default_ca = medic
[medic]
dir = .
database = db/index.txt
new_certs_dir = db
certificate = ca.pem
private_key = ca.key
rand_serial = yes
default_md = sha256
policy = anything
copy_extensions = copy
unique_subject = no
[anything]
commonName = supplied
`;

describe('http health', { timeout: 60_000 }, () => {
  let server: HttpServer;
  let port = 0;
  const socketPath = join(work, 'http.sock');
  let unixServer: HttpServer;

  before(async () => {
    const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
      if (req.url === '/health') return res.end('ok');
      if (req.url === '/big') return res.end('x'.repeat(100_000));
      if (req.url === '/hang') return; // never answers
      if (req.url === '/reset') return req.socket.destroy();
      if (req.url === '/host') return res.end(req.headers.host);
      res.writeHead(502, { 'content-type': 'text/html', 'x-upstream': 'a', 'set-cookie': ['a=1', 'b=2'] });
      res.end('<h1>502 Bad Gateway</h1>');
    };
    server = await listening(createHttpServer(handler), 0, '127.0.0.1');
    port = portOf(server);
    unixServer = await listening(createHttpServer(handler), socketPath);
  });

  after(async () => {
    await closeServer(server);
    await closeServer(unixServer);
  });

  test('status, headers and body of a health endpoint', async () => {
    const r = await httpGet(`http://127.0.0.1:${port}/health`, { timeoutMs: 3000 });
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.value.status, 200);
    assert.equal(r.value.body, 'ok');
    assert.equal(r.value.bodyTruncated, false);
    assert.equal(r.value.headers['content-length'], '2');
  });

  test('an error status is an answer, with repeated headers joined', async () => {
    const r = await httpGet(`http://127.0.0.1:${port}/`, { timeoutMs: 3000 });
    assert.ok(r.ok);
    assert.equal(r.value.status, 502);
    assert.equal(r.value.body, '<h1>502 Bad Gateway</h1>');
    assert.equal(r.value.headers['set-cookie'], 'a=1, b=2');
  });

  test('the body is cut at maxBody', async () => {
    const r = await httpGet(`http://127.0.0.1:${port}/big`, { timeoutMs: 3000, maxBody: 1000 });
    assert.ok(r.ok);
    assert.equal(r.value.body.length, 1000);
    assert.equal(r.value.bodyTruncated, true);
  });

  test('an app that never answers times out at the deadline', async () => {
    const r = await httpGet(`http://127.0.0.1:${port}/hang`, { timeoutMs: SHORT });
    assert.equal(!r.ok && r.error.kind, 'timeout');
    assert.ok(r.ms >= SHORT - 5 && r.ms < SHORT + 1000, `${r.ms} ms`);
  });

  test('a connection closed before the response is a reset; a closed port is refused', async () => {
    const reset = await httpGet(`http://127.0.0.1:${port}/reset`, { timeoutMs: 3000 });
    assert.equal(!reset.ok && reset.error.kind, 'reset', JSON.stringify(reset));
    const refused = await httpGet(`http://127.0.0.1:${await closedPort()}/health`, { timeoutMs: 3000 });
    assert.equal(!refused.ok && refused.error.kind, 'refused');
  });

  test('over a unix socket, with the Host of the URL', async () => {
    const r = await httpGet('http://app.internal/host', { timeoutMs: 3000, socketPath });
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.value.body, 'app.internal');
    const missing = await httpGet('http://app.internal/health', {
      timeoutMs: 3000,
      socketPath: join(work, 'no.sock'),
    });
    assert.equal(!missing.ok && missing.error.kind, 'not_found');
  });

  test('connectTo sends a plain request elsewhere with the Host of the URL', async () => {
    const r = await httpGet('http://flask.medic.test/host', {
      timeoutMs: 3000,
      connectTo: { host: '127.0.0.1', port },
    });
    assert.ok(r.ok);
    assert.equal(r.value.body, 'flask.medic.test');
  });

  test('a URL that is not http(s) is refused before any connection', async () => {
    for (const url of ['ftp://site.test/', 'not a url']) {
      const r = await httpGet(url, { timeoutMs: 1000 });
      assert.equal(!r.ok && r.error.kind, 'invalid_url', url);
    }
  });
});

describe('postgres and redis without a server', { timeout: 60_000 }, () => {
  let silent: Awaited<ReturnType<typeof silentServer>>;
  before(async () => {
    silent = await silentServer();
  });
  after(() => silent.close());

  test('postgres on a closed port: refused, and the password is nowhere in the message', async () => {
    const url = `postgresql://app:s3cret-pw@127.0.0.1:${await closedPort()}/app`;
    const r = await probePostgres(url, 3000);
    assert.equal(!r.ok && r.error.kind, 'refused');
    assert.ok(!JSON.stringify(r).includes('s3cret-pw'));
  });

  test('postgres that accepts and never answers: timeout at the deadline', async () => {
    const r = await probePostgres(`postgresql://app:s3cret-pw@127.0.0.1:${silent.port}/app`, SHORT);
    assert.equal(!r.ok && r.error.kind, 'timeout');
    assert.equal(
      !r.ok && r.error.message,
      `postgresql://app:***@127.0.0.1:${silent.port}/app: no answer within ${SHORT} ms`,
    );
    assert.ok(r.ms < SHORT + 1000, `${r.ms} ms`);
  });

  test('postgres on a host name that does not resolve, and on a socket directory that is missing', async () => {
    const host = await probePostgres('postgresql://app:pw@medic-no-such-host.invalid/app', 3000);
    assert.equal(!host.ok && host.error.kind, 'not_found_host');
    const socket = await probePostgres(`postgresql://app:pw@/app?host=${join(work, 'no-pg')}`, 3000);
    assert.equal(!socket.ok && socket.error.kind, 'socket_missing');
  });

  test('redis on a closed port: refused at once, without retries', async () => {
    const r = await probeRedis(`redis://:s3cret-pw@127.0.0.1:${await closedPort()}`, 3000);
    assert.equal(!r.ok && r.error.kind, 'refused');
    assert.ok(r.ms < 1000, `${r.ms} ms`);
    assert.ok(!JSON.stringify(r).includes('s3cret-pw'));
  });

  test('redis that accepts and never answers: timeout at the deadline', async () => {
    const r = await probeRedis(`redis://127.0.0.1:${silent.port}`, SHORT);
    assert.equal(!r.ok && r.error.kind, 'timeout');
    assert.ok(r.ms < SHORT + 1000, `${r.ms} ms`);
  });

  test('redis on a host name that does not resolve', async () => {
    const r = await probeRedis('redis://medic-no-such-host.invalid:6379', 3000);
    assert.equal(!r.ok && r.error.kind, 'not_found_host');
  });
});

/** The bin directory of an installed PostgreSQL, found on PATH or in Debian's versioned layout. */
function postgresBin(): string | undefined {
  const initdb = which('initdb');
  if (initdb) return join(initdb, '..');
  try {
    const versions = execFileSync('ls', ['/usr/lib/postgresql'], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
    const bin = versions.map((v) => `/usr/lib/postgresql/${v}/bin`).find((dir) => which('initdb', [dir]));
    return bin;
  } catch {
    return undefined;
  }
}

describe('a real PostgreSQL', { timeout: 60_000 }, () => {
  const bin = postgresBin();
  const dir = join(work, 'pg');
  const user = 'medic';
  const password = 'right-pw';
  let port = 0;
  let url = '';
  // PostgreSQL refuses to run as root: as root the cluster belongs to nobody.
  const asOwner = (cmd: string, args: string[]) =>
    isRoot
      ? execFileSync('runuser', ['-u', 'nobody', '--', cmd, ...args], { stdio: 'pipe' })
      : execFileSync(cmd, args, { stdio: 'pipe' });

  before(async () => {
    if (!bin) return;
    port = await closedPort();
    mkdirSync(dir);
    writeFileSync(join(dir, 'pw'), password);
    if (isRoot) {
      chownSync(work, 65534, 65534);
      chownSync(dir, 65534, 65534);
      chownSync(join(dir, 'pw'), 65534, 65534);
    }
    asOwner(join(bin, 'initdb'), [
      '-D',
      join(dir, 'data'),
      '-U',
      user,
      '--auth=scram-sha-256',
      `--pwfile=${join(dir, 'pw')}`,
    ]);
    asOwner(join(bin, 'pg_ctl'), [
      '-D',
      join(dir, 'data'),
      '-w',
      '-l',
      join(dir, 'log'),
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=3 -c superuser_reserved_connections=0`,
      'start',
    ]);
    url = `postgresql://${user}:${password}@127.0.0.1:${port}/postgres`;
  });

  after(() => {
    if (bin && url) asOwner(join(bin, 'pg_ctl'), ['-D', join(dir, 'data'), '-m', 'immediate', 'stop']);
  });

  test('connects and reports the server version', async (t) => {
    if (!bin) return t.skip('no PostgreSQL installed (initdb not found)');
    const r = await probePostgres(url, 5000);
    assert.ok(r.ok, JSON.stringify(r));
    assert.match(r.value.serverVersion, /^\d+\.\d+/);
  });

  test('a wrong password is auth_failed, a missing database database_missing', async (t) => {
    if (!bin) return t.skip('no PostgreSQL installed (initdb not found)');
    const wrong = await probePostgres(`postgresql://${user}:not-the-pw@127.0.0.1:${port}/postgres`, 5000);
    assert.equal(!wrong.ok && wrong.error.kind, 'auth_failed');
    assert.ok(!JSON.stringify(wrong).includes('not-the-pw'));
    const nodb = await probePostgres(`postgresql://${user}:${password}@127.0.0.1:${port}/nodb`, 5000);
    assert.equal(!nodb.ok && nodb.error.kind, 'database_missing');
    assert.match(!nodb.ok ? nodb.error.message : '', /"nodb" does not exist/);
  });

  test('a server out of connection slots is too_many_connections', async (t) => {
    if (!bin) return t.skip('no PostgreSQL installed (initdb not found)');
    const held: pg.Client[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const c = new pg.Client(url);
        await c.connect();
        held.push(c);
      }
      const r = await probePostgres(url, 5000);
      assert.equal(!r.ok && r.error.kind, 'too_many_connections');
    } finally {
      await Promise.all(held.map((c) => c.end()));
    }
  });

  test('a PostgreSQL that answers only after the deadline: timeout, and no connection is left behind', async (t) => {
    if (!bin) return t.skip('no PostgreSQL installed (initdb not found)');
    // A proxy that holds every byte 1.5 s: the server answers, but after the probe's deadline.
    let closed = 0;
    const late = createServer((client) => {
      client.on('close', () => (closed += 1));
      const server = createConnection({ host: '127.0.0.1', port });
      const hold = (from: Socket, to: Socket) =>
        from.on('data', (b) => setTimeout(() => to.writable && to.write(b), 1500));
      hold(client, server);
      hold(server, client);
      client.on('close', () => setTimeout(() => server.destroy(), 1600));
      server.on('close', () => client.destroy());
      client.on('error', () => {});
      server.on('error', () => {});
    });
    await listening(late, 0, '127.0.0.1');
    const latePort = (late.address() as { port: number }).port;
    try {
      const r = await probePostgres(`postgresql://${user}:${password}@127.0.0.1:${latePort}/postgres`, SHORT);
      assert.equal(!r.ok && r.error.kind, 'timeout');
      await new Promise((resolve) => setTimeout(resolve, 1100));
      assert.equal(closed, 1, 'the probe closed its connection');
      // Had the probe kept its socket, the server would now hold a session for it.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const c = new pg.Client(url);
      await c.connect();
      try {
        const { rows } = await c.query<{ n: string }>(
          "select count(*) as n from pg_stat_activity where application_name = 'medic'",
        );
        assert.equal(rows[0]?.n, '0');
      } finally {
        await c.end();
      }
    } finally {
      late.close();
    }
  });

  test('the last migration of Alembic and of Django, and a database never migrated', async (t) => {
    if (!bin) return t.skip('no PostgreSQL installed (initdb not found)');
    const never = await lastMigration(url, 'alembic', 5000);
    assert.equal(!never.ok && never.error.kind, 'no_migration_table');
    const c = new pg.Client(url);
    await c.connect();
    try {
      await c.query(
        "create table alembic_version (version_num varchar(32) primary key); insert into alembic_version values ('3f2a9c1b7d4e')",
      );
      await c.query(
        "create table django_migrations (id serial primary key, app varchar(255), name varchar(255), applied timestamptz default now()); insert into django_migrations (app, name) values ('contenttypes', '0001_initial'), ('shop', '0007_order_priority')",
      );
    } finally {
      await c.end();
    }
    const alembic = await lastMigration(url, 'alembic', 5000);
    assert.ok(alembic.ok);
    assert.deepEqual(alembic.value, { tool: 'alembic', revisions: ['3f2a9c1b7d4e'] });
    const django = await lastMigration(url, 'django', 5000);
    assert.ok(django.ok);
    assert.deepEqual(django.value, {
      tool: 'django',
      latest: { app: 'shop', name: '0007_order_priority' },
      applied: ['contenttypes.0001_initial', 'shop.0007_order_priority'],
    });
  });
});

describe('a real Redis', { timeout: 60_000 }, () => {
  const server = which('redis-server');
  const password = 'redis-pw';
  let port = 0;
  let child: ChildProcess | undefined;

  before(async () => {
    if (!server) return;
    port = await closedPort();
    child = spawn(
      server,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--requirepass',
        password,
        '--save',
        '',
        '--maxmemory',
        '64mb',
      ],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    await new Promise<void>((resolve, reject) => {
      child?.stdout?.on('data', (chunk: Buffer) => {
        if (/Ready to accept connections/.test(chunk.toString())) resolve();
      });
      child?.once('exit', () => reject(new Error('redis-server exited')));
    });
  });

  after(() => {
    child?.kill('SIGKILL');
  });

  test('PING and the memory figures', async (t) => {
    if (!server) return t.skip('no redis-server installed');
    const r = await probeRedis(`redis://:${password}@127.0.0.1:${port}`, 3000);
    assert.ok(r.ok, JSON.stringify(r));
    assert.ok((r.value.usedMemory ?? 0) > 0);
    assert.equal(r.value.maxmemory, 64 * 1024 * 1024);
    assert.equal(r.value.maxmemoryPolicy, 'noeviction');
  });

  test('a wrong password and a missing one are auth_failed', async (t) => {
    if (!server) return t.skip('no redis-server installed');
    const wrong = await probeRedis(`redis://:not-the-pw@127.0.0.1:${port}`, 3000);
    assert.equal(!wrong.ok && wrong.error.kind, 'auth_failed');
    assert.match(!wrong.ok ? wrong.error.message : '', /^WRONGPASS/);
    assert.ok(!JSON.stringify(wrong).includes('not-the-pw'));
    const none = await probeRedis(`redis://127.0.0.1:${port}`, 3000);
    assert.equal(!none.ok && none.error.kind, 'auth_failed');
    assert.match(!none.ok ? none.error.message : '', /^NOAUTH/);
  });
});

describe('disk, memory and the host object', { timeout: 60_000 }, () => {
  test('disk usage agrees with df', async () => {
    const r = await diskUsage(work);
    assert.ok(r.ok, JSON.stringify(r));
    const [size, avail] = execFileSync('df', ['-B1', '--output=size,avail', work], { encoding: 'utf8' })
      .trim()
      .split('\n')[1]!
      .trim()
      .split(/\s+/)
      .map(Number);
    assert.equal(r.value.sizeBytes, size);
    assert.ok(Math.abs(r.value.freeBytes - (avail ?? 0)) <= r.value.sizeBytes * 0.01);
    assert.ok(r.value.usedPercent >= 0 && r.value.usedPercent <= 100);
    assert.ok(r.value.inodesUsedPercent >= 0 && r.value.inodesUsedPercent <= 100);
  });

  test('disk usage of a missing path is not_found', async () => {
    const r = await diskUsage(join(work, 'no', 'such', 'dir'));
    assert.equal(!r.ok && r.error.kind, 'not_found');
  });

  test('memory totals agree with the kernel', async () => {
    const r = await memory();
    assert.ok(r.ok);
    assert.equal(r.value.totalBytes, totalmem());
    assert.ok(r.value.availableBytes > 0 && r.value.availableBytes <= r.value.totalBytes);
    const missing = await memory(join(work, 'no-proc'));
    assert.equal(!missing.ok && missing.error.kind, 'not_found');
  });

  test('a host rooted at a directory reads its files, capped, and answers undefined when missing', async () => {
    const root = join(work, 'box');
    mkdirSync(join(root, 'etc'), { recursive: true });
    writeFileSync(join(root, 'etc', 'app.env'), 'DATABASE_URL=postgresql://app@db/app\n');
    writeFileSync(join(root, 'etc', 'big.log'), 'y'.repeat(3 * 1024 * 1024));
    const box = hostAt(root);
    assert.equal(await box.readFile('/etc/app.env'), 'DATABASE_URL=postgresql://app@db/app\n');
    assert.equal(await box.readFile('/../etc/app.env'), 'DATABASE_URL=postgresql://app@db/app\n');
    assert.equal((await box.readFile('/etc/big.log'))?.length, 1024 * 1024);
    assert.equal((await box.readFile('/etc/big.log', 10))?.length, 10);
    assert.equal(await box.readFile('/etc/missing'), undefined);
    assert.equal(await box.readFile('/etc'), undefined);
    assert.deepEqual((await box.readdir('/etc'))?.sort(), ['app.env', 'big.log']);
    assert.equal((await box.stat('/etc/app.env'))?.size, 37);
    assert.equal(await box.stat('/nope'), undefined);
  });

  test('the local host reads /proc files, whose size is 0 on disk', async () => {
    const host = localHost();
    const meminfo = await host.readFile('/proc/meminfo');
    assert.match(meminfo ?? '', /^MemTotal:/);
    const r = await host.run('sh', ['-c', 'echo $((6 * 7))'], { timeoutMs: 3000 });
    assert.ok(r.ok);
    assert.equal(r.value.stdout, '42\n');
  });
});
