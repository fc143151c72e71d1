// The ssh command line medic runs for a host: the system's OpenSSH client (MEDIC_SSH_COMMAND, as git's
// GIT_SSH_COMMAND, may name another one or add options such as -F FILE), never prompting, never
// accepting a host key it does not already know, and the remote command quoted for the login shell.
import type { FleetHost } from './inventory.ts';

/** medic on the PATH of the login there, else where medic fleet install puts it. */
export const DEFAULT_REMOTE_MEDIC = `sh -c 'exec "$(command -v medic || echo /usr/local/bin/medic)" "$@"' medic`;

export const CONNECT_TIMEOUT_S = 10;

/** The ssh program and its own options: MEDIC_SSH_COMMAND split at spaces, else plain ssh. */
export function sshCommandOf(env: NodeJS.ProcessEnv): string[] {
  const words = (env['MEDIC_SSH_COMMAND'] ?? '').split(/\s+/).filter(Boolean);
  return words.length > 0 ? words : ['ssh'];
}

export interface SshArgvOptions {
  connectTimeoutS?: number;
}

/** ssh's command line, the program first, to run `remote` on `target`. */
export function sshArgv(
  sshCommand: readonly string[],
  target: string,
  remote: string,
  o: SshArgvOptions = {},
): string[] {
  return [
    sshCommand[0] ?? 'ssh',
    // first: ssh keeps the first value of an option, so nothing after these can turn them off
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    ...sshCommand.slice(1),
    '-o',
    `ConnectTimeout=${o.connectTimeoutS ?? CONNECT_TIMEOUT_S}`,
    // a host that vanishes mid-command is noticed within a minute
    '-o',
    'ServerAliveInterval=15',
    '-o',
    'ServerAliveCountMax=4',
    '-T',
    '--',
    target,
    remote,
  ];
}

/** One word for a POSIX shell: as it is when it holds nothing the shell reads, else single-quoted. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The command line the host's login shell runs: its medic (through sudo -n for a host that says so), then the arguments, each quoted. */
export function remoteMedic(host: Pick<FleetHost, 'medic' | 'sudo'>, args: readonly string[]): string {
  return [
    ...(host.sudo ? ['sudo', '-n'] : []),
    host.medic ?? DEFAULT_REMOTE_MEDIC,
    ...args.map(shellQuote),
  ].join(' ');
}
