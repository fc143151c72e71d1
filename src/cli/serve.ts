import type { Command } from 'commander';
import type { ServeOptions } from '../commands/serve.ts';
import type { Context } from './main.ts';

export function addServe(program: Command, contextOf: () => Context): void {
  program
    .command('serve')
    .description(
      'a read-only web dashboard: the services and their state, incidents with their diagnosis, the last checks, the releases',
    )
    .option('--listen <host:port>', 'the address to serve on', '127.0.0.1:9180')
    .option(
      '--token-file <file>',
      'a file holding the token readers must send (bearer, or as the basic-auth password); required beyond loopback',
    )
    .option('-c, --config <file>', 'medic.yaml (default: ./medic.yaml, then /etc/medic/medic.yaml)')
    .option(
      '--store <file>',
      "medic's database (default: watch.store in medic.yaml, else /var/lib/medic/medic.db)",
    )
    .addHelpText(
      'after',
      '\nThe same pages come from the running daemon with medic watch --http HOST:PORT. Its JSON: /api/services,\n/api/incidents, /api/incidents/ID, /api/checks, /api/releases. Exit: 0 on SIGTERM, 2 when it cannot serve.\nExamples:\n  medic serve\n  ssh -L 9180:127.0.0.1:9180 server   # then open http://127.0.0.1:9180/ here\n  medic serve --listen 0.0.0.0:9180 --token-file /etc/medic/dashboard.token',
    )
    .action(async (opts: ServeOptions) => (await import('../commands/serve.ts')).serve(opts, contextOf()));
}
