// Real servers for the host tests: an HTTP receiver that records every request, and the Debian packages'
// own Alertmanager and Prometheus, started on free loopback ports with their own config and storage.
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  url: string;
  received: Received[];
  close(): void;
}

/** Records each request; `answer` replies (200 "ok" when it does not), or leaves a request hanging. */
export async function startReceiver(answer?: (r: Received, res: ServerResponse) => void): Promise<Receiver> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      received.push(r);
      if (answer) answer(r, res);
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

export async function freePort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** The program's path, or an error that says which Debian package brings it: never a silent skip. */
export function program(names: string[], debianPackage: string): string {
  for (const dir of (process.env['PATH'] ?? '').split(':').concat('/usr/bin', '/usr/sbin'))
    for (const name of names)
      try {
        accessSync(join(dir, name), constants.X_OK);
        return join(dir, name);
      } catch {
        // not here
      }
  throw new Error(
    `${names[0]} is not installed: apt-get install ${debianPackage} (scripts/test.sh installs it on a fresh machine)`,
  );
}

/** Polls `check` until it returns a value; fails naming `what` after `ms`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  ms = 60_000,
) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await Promise.resolve(check()).catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`waited ${ms / 1000} s for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export interface Started {
  url: string;
  dir: string;
  /** What it printed: for the message of a failing test. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts `cmd` with a config file in a fresh directory; resolves once `${url}/-/ready` answers 200. */
export async function startReady(
  cmd: string,
  config: (dir: string) => { file: string; text: string },
  args: (dir: string, port: number) => string[],
): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), 'medic-monitoring-'));
  const { file, text } = config(dir);
  writeFileSync(join(dir, file), text);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(cmd, args(dir, port), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const started: Started = {
    url,
    dir,
    output: () => out.slice(-4000),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  try {
    const ready = await waitFor(`${cmd} to be ready at ${url}`, async () => {
      if (child.exitCode !== null) return 'exited';
      const r = await fetch(`${url}/-/ready`);
      return r.ok ? 'ready' : undefined;
    });
    if (ready === 'exited') throw new Error(`${cmd} exited with status ${child.exitCode}`);
  } catch (error) {
    await started.stop();
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}; it said:\n${out.slice(-2000)}`,
    );
  }
  return started;
}
