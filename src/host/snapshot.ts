// One look at a server, shared: `medic check` asks the same host-wide questions for every service it checks
// (systemd's unit list, `nginx -T` and `-t`, the kernel's journal, the firewall's rules). Within one command
// those answers do not change, so each read-only command runs once and every asker shares its answer. On a
// small server each process started is CPU the server's own work does not get.
import type { Host } from './host.ts';
import type { RunOptions, RunResult } from './run.ts';

/** The commands that only read, by their first words: the same question, the same answer within a command. */
const READ_ONLY: readonly RegExp[] = [
  /^systemctl (?:list-units|list-unit-files|show|is-enabled|is-active|cat) /,
  /^nginx -[tT]$/,
  /^journalctl /,
  /^iptables -S\b/,
  /^nft list ruleset$/,
  /^ufw status\b/,
];

/** HOST, with each read-only command (no stdin, no env or directory of its own) run once per argv. */
export function snapshotOf(host: Host): Host {
  const answers = new Map<string, Promise<RunResult>>();
  return {
    ...host,
    run(cmd: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
      const line = [cmd, ...args].join(' ');
      const shareable =
        options.input === undefined &&
        options.env === undefined &&
        options.cwd === undefined &&
        READ_ONLY.some((r) => r.test(line));
      if (!shareable) return host.run(cmd, args, options);
      const key = `${options.maxBytes ?? ''}\0${cmd}\0${args.join('\0')}`;
      let answer = answers.get(key);
      if (!answer) {
        answer = host.run(cmd, args, options);
        answers.set(key, answer);
      }
      return answer;
    },
  };
}
