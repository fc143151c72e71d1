// Real OpenSSH servers on 127.0.0.1, one per "host", each on a free port with a host key of its own, and
// a client configuration (an ssh_config, a known_hosts and a key, all in a scratch directory) that medic
// is pointed at through MEDIC_SSH_COMMAND, as a user's ~/.ssh would be.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export const SSHD = '/usr/sbin/sshd';
/** Why these tests cannot run here, or null. */
export const sshdMissing =
  !existsSync(SSHD) || spawnSync('ssh', ['-V']).error
    ? 'no OpenSSH server or client (apt-get install openssh-server openssh-client; scripts/test.sh does)'
    : process.getuid?.() !== 0
      ? 'sshd needs root here'
      : null;

export interface SshdHost {
  name: string;
  port: number;
  /** Its own directory: the login's working directory when `cd` is set. */
  dir: string;
  process: ChildProcess | null;
}

export interface SshdOptions {
  /** Hosts whose key is not in known_hosts. */
  unknownKey?: string[];
  /** A command sshd runs instead of the one asked for ($SSH_ORIGINAL_COMMAND), per host. */
  forceCommand?: Record<string, string>;
  /** Each login starts in the host's own directory (so --root trial is a tree of that host's own). */
  cd?: boolean;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const keygen = (file: string) =>
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', file], { stdio: 'ignore' });

export class SshdFleet {
  readonly dir = mkdtempSync(join(tmpdir(), 'medic-fleet-'));
  readonly hosts: SshdHost[] = [];
  readonly knownHosts = join(this.dir, 'known_hosts');
  readonly sshConfig = join(this.dir, 'ssh_config');
  /** The environment medic runs in: its ssh is pointed at this directory's configuration. */
  readonly env: NodeJS.ProcessEnv = {
    ...process.env,
    MEDIC_SSH_COMMAND: `ssh -F ${this.sshConfig}`,
    NO_COLOR: '1',
  };

  static async start(names: string[], o: SshdOptions = {}): Promise<SshdFleet> {
    const fleet = new SshdFleet();
    mkdirSync('/run/sshd', { recursive: true }); // sshd's privilege separation directory
    keygen(join(fleet.dir, 'user_key'));
    writeFileSync(join(fleet.dir, 'authorized_keys'), readFileSync(join(fleet.dir, 'user_key.pub')), {
      mode: 0o600,
    });
    const known: string[] = [];
    const client = [
      'Host *',
      `  User ${userInfo().username}`,
      `  IdentityFile ${join(fleet.dir, 'user_key')}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${fleet.knownHosts}`,
      '  GlobalKnownHostsFile /dev/null',
    ];
    for (const name of names) {
      const dir = join(fleet.dir, name);
      mkdirSync(dir);
      keygen(join(dir, 'host_key'));
      const host: SshdHost = { name, port: await freePort(), dir, process: null };
      const force = o.forceCommand?.[name] ?? (o.cd ? 'exec /bin/sh -c "$SSH_ORIGINAL_COMMAND"' : undefined);
      writeFileSync(
        join(dir, 'sshd_config'),
        [
          `Port ${host.port}`,
          'ListenAddress 127.0.0.1',
          `HostKey ${join(dir, 'host_key')}`,
          `AuthorizedKeysFile ${join(fleet.dir, 'authorized_keys')}`,
          'PidFile none',
          'PasswordAuthentication no',
          'KbdInteractiveAuthentication no',
          'UsePAM no',
          'StrictModes no',
          'PermitRootLogin prohibit-password',
          ...(force ? [`ForceCommand ${o.cd ? `cd ${dir} && ` : ''}${force}`] : []),
          '',
        ].join('\n'),
      );
      const key = readFileSync(join(dir, 'host_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
      if (!o.unknownKey?.includes(name)) known.push(`[127.0.0.1]:${host.port} ${key}`);
      client.push(`Host ${name}`, '  HostName 127.0.0.1', `  Port ${host.port}`);
      fleet.hosts.push(host);
      await fleet.startHost(name);
    }
    writeFileSync(fleet.knownHosts, `${known.join('\n')}\n`);
    writeFileSync(fleet.sshConfig, `${client.join('\n')}\n`);
    return fleet;
  }

  host(name: string): SshdHost {
    const h = this.hosts.find((x) => x.name === name);
    if (!h) throw new Error(`no host ${name}`);
    return h;
  }

  /** sshd -D in the foreground, its log in a file (a pipe nobody reads would stall it); ready once it listens. */
  async startHost(name: string): Promise<void> {
    const h = this.host(name);
    const log = join(h.dir, 'sshd.log');
    writeFileSync(log, '');
    const child = spawn(SSHD, ['-D', '-E', log, '-f', join(h.dir, 'sshd_config')], { stdio: 'ignore' });
    h.process = child;
    for (let waited = 0; !readFileSync(log, 'utf8').includes('Server listening on 127.0.0.1'); waited += 50) {
      if (child.exitCode !== null || waited > 10_000)
        throw new Error(`sshd ${name} did not start: ${readFileSync(log, 'utf8')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The host's sshd stopped, as on a host that is down or has no sshd. */
  async stopHost(name: string): Promise<void> {
    const h = this.host(name);
    const child = h.process;
    h.process = null;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }

  async close(): Promise<void> {
    for (const h of this.hosts) await this.stopHost(h.name);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
