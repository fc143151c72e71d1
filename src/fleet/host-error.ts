// Why a host gave no answer, as one line and a fix: ssh's own complaint (exit 255) read from its stderr,
// medic missing there (127), medic's own one-line error (2), or no answer in time.
import type { SshSession } from '../host/ssh.ts';

export type HostErrorKind =
  | 'unreachable'
  | 'host_key_unknown'
  | 'host_key_changed'
  | 'auth'
  | 'timeout'
  | 'not_installed'
  | 'medic_error'
  | 'checksum'
  | 'ssh';

export interface HostError {
  kind: HostErrorKind;
  message: string;
  fix?: string;
}

const lines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/** `[10.0.0.5]:2222` or `10.0.0.5` as ssh names a host in its messages → the ssh-keyscan arguments. */
function keyscanOf(known: string): string {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(known);
  return m ? `-p ${m[2]} ${m[1]}` : known;
}

/** The error of an ssh session that did not end in an answer of medic's, or null when it did. */
export function hostErrorOf(s: SshSession, target: string, name: string): HostError | null {
  if (s.cannotStart) return { kind: 'ssh', message: s.cannotStart };
  if (s.timedOut)
    return {
      kind: 'timeout',
      message: `no answer within ${Math.round(s.ms / 1000)} s`,
      fix: `ssh ${target} true   # does a plain ssh answer?`,
    };
  const said = lines(s.stderr);
  if (s.code === 255) return sshErrorOf(said, target);
  if (s.code === 127 || s.code === 126)
    return {
      kind: 'not_installed',
      message: said.at(-1) ?? `medic is not installed there (exit ${s.code})`,
      fix: `medic fleet install --hosts ${name}`,
    };
  if (s.code === 0 || s.code === 1) return null;
  const medicSaid = said.filter((l) => l.startsWith('medic: ') && !l.includes('run again with --debug'));
  return {
    kind: 'medic_error',
    message:
      medicSaid[0] ??
      said.at(-1) ??
      (s.signal ? `ended by ${s.signal}` : `medic exited with ${s.code ?? 'no code'}`),
  };
}

/** ssh's own failure, from the lines it printed: its words kept, the fix added. */
export function sshErrorOf(said: readonly string[], target: string): HostError {
  const unknown = said.map((l) => /^No \S+ host key is known for (\S+)/.exec(l)).find(Boolean);
  if (unknown?.[1])
    return {
      kind: 'host_key_unknown',
      message: `ssh: no host key known for ${unknown[1]}, and medic never accepts one blindly`,
      fix: `ssh ${target} true   # by hand, once: compare the fingerprint with the server's, then accept it (or ssh-keyscan ${keyscanOf(unknown[1])} >> ~/.ssh/known_hosts, checked)`,
    };
  if (said.some((l) => l.includes('REMOTE HOST IDENTIFICATION HAS CHANGED'))) {
    const changed = said.map((l) => /^Host key for (\S+) has changed/.exec(l)).find(Boolean)?.[1];
    const remove = said.find((l) => l.startsWith('ssh-keygen ') && l.includes(' -R '));
    return {
      kind: 'host_key_changed',
      message: `ssh: the host key of ${changed ?? target} has changed (a reinstalled server, or someone in between): refused`,
      fix: `${remove ?? 'ssh-keygen -R HOST'}   # only once you know why it changed`,
    };
  }
  if (said.some((l) => l.includes('Host key verification failed')))
    return {
      kind: 'host_key_unknown',
      message: 'ssh: Host key verification failed',
      fix: `ssh ${target} true   # by hand, once, to accept its key knowingly`,
    };
  const denied = said.find((l) => /Permission denied \(/.test(l));
  if (denied)
    return {
      kind: 'auth',
      message: `ssh: ${denied}`,
      fix: `ssh-copy-id ${target}   # or ssh-add the key: medic never asks for a password`,
    };
  const line = [...said].reverse().find((l) => !l.startsWith('Warning:')) ?? 'ssh failed (exit 255)';
  const message = line.startsWith('ssh: ') ? line : `ssh: ${line}`;
  if (
    /Connection refused|Could not resolve hostname|No route to host|Network is unreachable|timed out/i.test(
      line,
    )
  )
    return {
      kind: 'unreachable',
      message,
      fix: /Could not resolve/.test(line)
        ? `ssh -G ${target} | grep -i '^hostname'   # the name ssh looks up: hosts: in medic.yaml, ~/.ssh/config`
        : `ssh -v ${target} true   # is the host up, its sshd listening on that port?`,
    };
  return { kind: 'ssh', message };
}
