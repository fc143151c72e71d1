// A command run on a host: the ssh command line built for the target, run by src/host/ssh.ts.
import { runSsh, type SshOptions, type SshSession } from '../host/ssh.ts';
import { sshArgv, sshCommandOf, type SshArgvOptions } from './ssh-argv.ts';

export function onHost(target: string, remote: string, o: SshOptions & SshArgvOptions): Promise<SshSession> {
  return runSsh(sshArgv(sshCommandOf(o.env ?? process.env), target, remote, o), o);
}
