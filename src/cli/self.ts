import type { Command } from 'commander';
import type { SelfInstallOptions } from '../commands/self.ts';
import type { Context } from './main.ts';

export function addSelf(program: Command, contextOf: () => Context): void {
  program
    .command('self')
    .description('medic itself as one file: install the single executable that `npm run build` makes')
    .command('install')
    .description('copy this executable to PREFIX/medic, whole and checksum verified (again: nothing to do)')
    .option('--prefix <dir>', 'the directory to put medic in', '/usr/local/bin')
    .addHelpText(
      'after',
      '\nExit code: 0 installed (or already), 2 medic could not install.\nExamples:\n  sudo dist/medic self install\n  dist/medic self install --prefix ~/.local/bin',
    )
    .action(async (opts: SelfInstallOptions) =>
      (await import('../commands/self.ts')).selfInstall(opts, contextOf()),
    );
}
