import type { Command } from 'commander';
import type { InitOptions } from '../commands/init.ts';
import type { Context } from './main.ts';

export function addInit(program: Command, contextOf: () => Context): void {
  program
    .command('init')
    .description(
      'find the deployment (systemd unit, app server, project, Nginx, health URL) and write medic.yaml',
    )
    .argument(
      '[units...]',
      'the app units (default: every Gunicorn, Uvicorn, Daphne, Hypercorn or Waitress unit)',
    )
    .option('--stdout', 'print medic.yaml instead of writing it')
    .option('-c, --config <file>', 'where to write it', 'medic.yaml')
    .option('--force', 'replace an existing file')
    .addHelpText(
      'after',
      '\nExamples:\n  medic init\n  medic init flaskapp --stdout\n  medic init flaskapp -c /etc/medic/medic.yaml',
    )
    .action(async (units: string[], opts: InitOptions) =>
      (await import('../commands/init.ts')).init(units, opts, contextOf()),
    );
}
