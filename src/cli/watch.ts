import { type Command, Option } from 'commander';
import type { WatchOptions } from '../commands/watch.ts';
import type { Context } from './main.ts';

export function addWatch(program: Command, contextOf: () => Context): void {
  program
    .command('watch')
    .description(
      'a daemon: notice a crash within a second, restart safely with back-off, verify health, alert with the diagnosis',
    )
    .option('-c, --config <file>', 'medic.yaml (default: ./medic.yaml, then /etc/medic/medic.yaml)')
    .option(
      '--store <file>',
      "medic's database (default: watch.store in medic.yaml, else /var/lib/medic/medic.db)",
    )
    .option('--metrics <host:port>', 'serve Prometheus metrics at http://HOST:PORT/metrics')
    .option('--http <host:port>', "serve medic serve's dashboard from the daemon at http://HOST:PORT/")
    .option('--token-file <file>', 'the token the dashboard asks for (required for --http beyond loopback)')
    .addOption(new Option('--plan', 'print the validated plan as JSON, for the daemon itself').hideHelp())
    .option('--check', 'validate medic.yaml and notify, print what would be watched, and exit')
    .option('--print-unit', 'print a systemd unit that runs medic watch as a service, and exit')
    .option('--print-sudoers', 'print the sudoers line that lets it restart the watched units, and exit')
    .option('--print-polkit', 'print the polkit rule that does the same, and exit')
    .addHelpText(
      'after',
      '\nLogs one line per event on stdout (logfmt; JSON lines with --format json). Exit: 0 on SIGTERM, 2 on a bad medic.yaml.\nExamples:\n  medic watch -c /etc/medic/medic.yaml\n  medic watch --print-unit > /etc/systemd/system/medic-watch.service',
    )
    .action(async (opts: WatchOptions) => (await import('../commands/watch.ts')).watch(opts, contextOf()));
}
