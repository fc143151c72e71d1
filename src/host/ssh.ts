// One ssh session: the remote command's output, its exit code (ssh's own 255 when ssh failed) and ssh's
// complaints on stderr. stdin can be a file streamed from disk (the executable, without holding it in memory).
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';

export interface SshSession {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
  /** ssh itself could not be started (not installed, not executable). */
  cannotStart?: string;
}

export interface SshOptions {
  timeoutMs: number;
  stdinFile?: string;
  stdinText?: string;
  /** Each line of stderr as it comes: a deploy's steps, shown while they run. */
  onStderrLine?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

/** Kept of each stream: a report is far smaller; a runaway remote command does not fill our memory. */
const MAX_BYTES = 32 * 1024 * 1024;

/** Runs ssh's command line (the program first) and always settles: a failure is in the session it returns. */
export function runSsh(command: readonly string[], o: SshOptions): Promise<SshSession> {
  const [program = 'ssh', ...args] = command;
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  const piped = o.stdinFile !== undefined || o.stdinText !== undefined;
  return new Promise((resolve) => {
    const child = spawn(program, args, {
      env: o.env ?? process.env,
      stdio: [piped ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    const out = { chunks: [] as Buffer[], size: 0 };
    const err = { chunks: [] as Buffer[], size: 0 };
    let partial = '';
    let timedOut = false;
    const keep = (into: typeof out, chunk: Buffer) => {
      if (into.size >= MAX_BYTES) return;
      into.chunks.push(chunk);
      into.size += chunk.length;
    };
    child.stdout?.on('data', (c: Buffer) => keep(out, c));
    child.stderr?.on('data', (c: Buffer) => {
      keep(err, c);
      if (!o.onStderrLine) return;
      const lines = (partial + c.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) o.onStderrLine(line);
    });
    if (child.stdin) {
      child.stdin.on('error', () => {}); // the remote side stopped reading: its exit code says why
      if (o.stdinFile !== undefined)
        createReadStream(o.stdinFile)
          .on('error', () => child.stdin?.end())
          .pipe(child.stdin);
      else child.stdin.end(o.stdinText);
    }
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
    }, o.timeoutMs);
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({
        code: null,
        signal: null,
        stdout: '',
        stderr: '',
        timedOut: false,
        ms: ms(),
        cannotStart: `cannot run ${program}: ${e.code === 'ENOENT' ? 'not found (install openssh-client)' : e.message}`,
      });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (partial && o.onStderrLine) o.onStderrLine(partial);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out.chunks).toString('utf8'),
        stderr: Buffer.concat(err.chunks).toString('utf8'),
        timedOut,
        ms: ms(),
      });
    });
  });
}
