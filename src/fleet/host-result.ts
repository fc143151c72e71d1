// What one host answered: its medic's own output (JSON parsed, or text as it printed it) and its exit code,
// or the reason it gave none. An unreachable host is a result like any other.
import { EXIT } from '../cli/exit.ts';
import { type HostError, hostErrorOf } from './host-error.ts';
import type { FleetHost } from './inventory.ts';
import type { SshSession } from '../host/ssh.ts';

export type HostStatus = 'ok' | 'problems' | 'error';

export interface HostResult {
  host: FleetHost;
  status: HostStatus;
  exitCode: number;
  ms: number;
  /** The host's own `--format json` envelope. */
  json?: unknown;
  /** The host's own text (or markdown), as it printed it. */
  text?: string;
  error?: HostError;
  /** What the status is called when "ok" says too little (fleet install: "changed", "nothing to do"). */
  label?: string;
}

export function errorResult(host: FleetHost, error: HostError, ms: number): HostResult {
  return { host, status: 'error', exitCode: EXIT.error, ms, error };
}

/** The result of one ssh session that ran `medic --format FORMAT …` on the host. */
export function hostResultOf(host: FleetHost, s: SshSession, json: boolean): HostResult {
  const error = hostErrorOf(s, host.ssh, host.name);
  if (error) return errorResult(host, error, s.ms);
  const exitCode = s.code === 0 ? EXIT.ok : EXIT.problems;
  const status: HostStatus = exitCode === EXIT.ok ? 'ok' : 'problems';
  if (!json) return { host, status, exitCode, ms: s.ms, text: s.stdout.replace(/\n+$/, '') };
  try {
    const parsed: unknown = JSON.parse(s.stdout);
    if (typeof parsed !== 'object' || parsed === null || !('schema' in parsed))
      throw new Error('no envelope');
    return { host, status, exitCode, ms: s.ms, json: parsed };
  } catch {
    const first = s.stdout.trim().split('\n')[0]?.slice(0, 120) ?? '';
    return errorResult(
      host,
      {
        kind: 'medic_error',
        message: `not medic's JSON on stdout${first ? `: ${first}` : ' (nothing)'}`,
        fix: `is "${host.medic ?? 'medic'}" medic there? ssh ${host.ssh} medic --version`,
      },
      s.ms,
    );
  }
}
