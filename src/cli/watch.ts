import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { run } from '../host/run.ts';
import { parseShowUnits, showValue } from '../systemd/show.ts';
import { startDaemon, systemctlPath, watchedServices } from '../watch/daemon.ts';
import { unitsOf } from '../watch/service-watch.ts';
import { polkitRule, sudoersFile, watchUnitFile } from '../watch/unit-file.ts';
import { configOf } from './check.ts';
import { UsageError } from './exit.ts';
import type { Context } from './main.ts';

interface WatchOptions {
  config?: string;
  store?: string;
  metrics?: string;
  printUnit?: boolean;
  printSudoers?: boolean;
  printPolkit?: boolean;
}

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
    .option('--print-unit', 'print a systemd unit that runs medic watch as a service, and exit')
    .option('--print-sudoers', 'print the sudoers line that lets it restart the watched units, and exit')
    .option('--print-polkit', 'print the polkit rule that does the same, and exit')
    .addHelpText(
      'after',
      '\nLogs one line per event on stdout (logfmt; JSON lines with --format json). Exit: 0 on SIGTERM, 2 on a bad medic.yaml.\nExamples:\n  medic watch -c /etc/medic/medic.yaml\n  medic watch --print-unit > /etc/systemd/system/medic-watch.service',
    )
    .action(async (opts: WatchOptions) => {
      const ctx = contextOf();
      if (ctx.format !== 'text' && ctx.format !== 'json')
        throw new UsageError(`--format ${ctx.format}: medic watch logs text (logfmt) or json lines`);
      const found = await configOf(opts.config);
      if (!found)
        throw new UsageError('no medic.yaml here or in /etc/medic: run medic init first, or give -c FILE');
      const services = watchedServices(found.config);
      if (opts.printUnit || opts.printSudoers || opts.printPolkit) {
        if (opts.printUnit) {
          const shown = await run(systemctlPath(), ['show', '-p', 'Group', ...unitsOf(services)], {
            timeoutMs: 5000,
          });
          const appGroups = shown.ok
            ? [...new Set(parseShowUnits(shown.value.stdout).map((p) => showValue(p, 'Group') ?? ''))].filter(
                (g) => g !== '' && g !== 'root',
              )
            : [];
          ctx.out(
            watchUnitFile({
              node: process.execPath,
              medic: fileURLToPath(new URL('../../bin/medic.js', import.meta.url)),
              config: resolve(found.path),
              services,
              appGroups,
              ...(opts.metrics ? { metrics: opts.metrics } : {}),
            }),
          );
        }
        if (opts.printSudoers) ctx.out(sudoersFile(services, systemctlPath()));
        if (opts.printPolkit) ctx.out(polkitRule(services));
        return;
      }
      const daemon = await startDaemon({
        config: found.config,
        ...(opts.store ? { storePath: opts.store } : {}),
        ...(opts.metrics ? { metrics: opts.metrics } : {}),
        json: ctx.format === 'json',
        write: (line) => process.stdout.write(`${line}\n`),
      });
      const onSignal = () => void daemon.stop();
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
      await daemon.done;
    });
}
