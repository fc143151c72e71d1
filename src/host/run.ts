import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { codeOf, elapsed, messageOf, type ProbeResult } from './probe.ts';

/** Output kept per stream unless told otherwise: enough for any journal excerpt, bounded memory. */
export const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;
/** Time a command gets between SIGTERM and SIGKILL once its deadline has passed. */
const KILL_GRACE_MS = 500;

export type RunOptions = {
  timeoutMs: number;
  /** Written to the command's stdin, which is then closed; without it stdin is /dev/null. */
  input?: string | Buffer;
  /** Bytes kept of stdout and of stderr each; the rest is read and dropped. */
  maxBytes?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
};

export type CommandOutput = {
  /** Exit code, or null when a signal ended the command. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The deadline passed and medic killed the command (and its process group). */
  timedOut: boolean;
  /** stdout or stderr was longer than `maxBytes` and was cut. */
  truncated: boolean;
};

/** The command could not be started at all: missing (ENOENT), not executable (EACCES), other. */
export type RunFailure = 'not_found' | 'permission' | 'other';

export type RunResult = ProbeResult<CommandOutput, RunFailure>;

/**
 * Runs a command without a shell and always settles: a nonzero exit or a timeout is a value
 * (`code`, `timedOut`), only a command that cannot be started is a failure.
 */
export function run(cmd: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const start = performance.now();
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  // A command that is not installed (ufw on a server without it) is known without starting a process.
  if (notOnPath(cmd, (options.env ?? process.env)['PATH']))
    return Promise.resolve({ ok: false, error: spawnError(cmd, { code: 'ENOENT' }), ms: elapsed(start) });
  return new Promise<RunResult>((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(cmd, args, {
        cwd: options.cwd,
        env: options.env,
        stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        // Its own process group, so a timeout kills the children it started as well.
        detached: true,
      });
    } catch (err) {
      resolve({ ok: false, error: spawnError(cmd, err), ms: elapsed(start) });
      return;
    }

    const stdout = new CappedBuffer(maxBytes);
    const stderr = new CappedBuffer(maxBytes);
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    if (child.stdin) {
      child.stdin.on('error', () => {}); // a command that exits without reading its input: EPIPE
      child.stdin.end(options.input);
    }

    let settled = false;
    let timedOut = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const timers: NodeJS.Timeout[] = [];

    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      trace(start, cmd, args);
      resolve({
        ok: true,
        value: {
          code,
          signal,
          stdout: stdout.text(),
          stderr: stderr.text(),
          timedOut,
          truncated: stdout.truncated || stderr.truncated,
        },
        ms: elapsed(start),
      });
    };
    // A grandchild that escaped the group can hold the pipes open after the command is gone.
    const abandonPipes = () => {
      child.stdout?.destroy();
      child.stderr?.destroy();
      finish(exit?.code ?? null, exit?.signal ?? 'SIGKILL');
    };

    child.on('error', (err) => {
      if (settled) return;
      if (child.pid === undefined) {
        settled = true;
        for (const t of timers) clearTimeout(t);
        resolve({ ok: false, error: spawnError(cmd, err), ms: elapsed(start) });
      }
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
    });
    child.on('close', (code, signal) => finish(code, signal));

    timers.push(
      setTimeout(() => {
        if (exit) return abandonPipes();
        timedOut = true;
        killGroup(child, 'SIGTERM');
        timers.push(
          setTimeout(() => {
            killGroup(child, 'SIGKILL');
            timers.push(setTimeout(abandonPipes, KILL_GRACE_MS));
          }, KILL_GRACE_MS),
        );
      }, options.timeoutMs),
    );
  });
}

/** A bare command name that no directory of an all-absolute PATH holds as an executable. */
function notOnPath(cmd: string, path: string | undefined): boolean {
  if (cmd.includes('/') || !path) return false;
  const dirs = path.split(':');
  if (!dirs.every(isAbsolute)) return false;
  return !dirs.some((dir) => {
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** MEDIC_TRACE=1: each command medic ran and how long it took, on stderr (its first words, cut short). */
function trace(start: number, cmd: string, args: readonly string[]): void {
  if (!process.env['MEDIC_TRACE']) return;
  const words = args.slice(0, 3).map((a) => (a.length > 30 ? `${a.slice(0, 30)}…` : a));
  process.stderr.write(
    `medic trace: ${elapsed(start).toFixed(0).padStart(5)} ms  ${cmd} ${words.join(' ')}\n`,
  );
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal); // the group is gone already, or was never ours
  }
}

function spawnError(cmd: string, err: unknown): { kind: RunFailure; message: string } {
  const code = codeOf(err);
  if (code === 'ENOENT') return { kind: 'not_found', message: `command not found: ${cmd}` };
  if (code === 'EACCES') return { kind: 'permission', message: `permission denied: ${cmd}` };
  return { kind: 'other', message: messageOf(err) };
}

/** Keeps the first `max` bytes of a stream and drops the rest as it arrives. */
class CappedBuffer {
  readonly max: number;
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(max: number) {
    this.max = max;
  }

  push(chunk: Buffer): void {
    const room = this.max - this.size;
    if (chunk.length > room) this.truncated = true;
    if (room <= 0) return;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(kept);
    this.size += kept.length;
  }

  text(): string {
    return Buffer.concat(this.chunks, this.size).toString('utf8');
  }
}
