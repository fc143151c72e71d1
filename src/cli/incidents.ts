import { existsSync } from 'node:fs';
import { type Command, Option } from 'commander';
import {
  incidentData,
  incidentMarkdown,
  incidentsMarkdown,
  incidentsText,
  incidentText,
} from '../report/incidents.ts';
import { type IncidentState, Store, storePathOf } from '../watch/store.ts';
import { configOf } from './check.ts';
import { EXIT, UsageError } from './exit.ts';
import type { Context } from './main.ts';

interface IncidentsOptions {
  config?: string;
  store?: string;
  service?: string;
  state?: IncidentState;
  limit: string;
}

async function openStore(opts: IncidentsOptions): Promise<Store | null> {
  const found = opts.store ? null : await configOf(opts.config);
  const path = storePathOf(found?.config ?? null, opts.store);
  if (!existsSync(path)) return null;
  return Store.open(path, { create: false });
}

export function addIncidents(program: Command, contextOf: () => Context): void {
  const cmd = program
    .command('incidents')
    .description("the incidents medic watch recorded: list them, or show one's timeline and diagnosis")
    .option(
      '-c, --config <file>',
      'medic.yaml, for watch.store (default: ./medic.yaml, then /etc/medic/medic.yaml)',
    )
    .option('--store <file>', "medic's database (default: /var/lib/medic/medic.db)")
    .option('--service <name>', 'only this service')
    .addOption(
      new Option('--state <state>', 'only incidents in this state').choices(['open', 'gave_up', 'resolved']),
    )
    .option('-n, --limit <n>', 'at most this many, newest first', '20')
    .addHelpText(
      'after',
      '\nExit code: 0 none open, 1 an incident is open (or given up on), 2 medic could not run.\nExamples:\n  medic incidents\n  medic incidents show 12 --format markdown',
    )
    .action(async (opts: IncidentsOptions) => {
      const ctx = contextOf();
      if (ctx.format === 'junit' || ctx.format === 'tap')
        throw new UsageError(
          `--format ${ctx.format} is for medic check; incidents prints text, json or markdown`,
        );
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1)
        throw new UsageError(`--limit ${opts.limit}: give a whole number above 0`);
      const store = await openStore(opts);
      const list = store
        ? store.incidents({
            ...(opts.service ? { service: opts.service } : {}),
            ...(opts.state ? { state: opts.state } : {}),
            limit,
          })
        : [];
      if (ctx.format === 'json')
        ctx.out(
          JSON.stringify(
            list.map((i) => ({ ...i, diagnosis: undefined })),
            null,
            2,
          ),
        );
      else if (ctx.format === 'markdown') ctx.out(incidentsMarkdown(list));
      else
        ctx.out(
          store ? incidentsText(list, ctx.style) : 'no incidents recorded (medic watch has not run here yet)',
        );
      store?.close();
      process.exitCode = list.some((i) => i.state !== 'resolved') ? EXIT.problems : EXIT.ok;
    });
  cmd
    .command('show')
    .description('one incident: what happened, its UTC timeline, its alerts and the diagnosis')
    .argument('<id>', 'the incident number (medic incidents lists them)')
    .action(async (id: string) => {
      const ctx = contextOf();
      const opts = cmd.opts<IncidentsOptions>();
      const n = Number(id.replace(/^#/, ''));
      if (!Number.isInteger(n) || n < 1) throw new UsageError(`${id}: an incident number, like 12`);
      const store = await openStore(opts);
      const incident = store?.incident(n) ?? null;
      if (!store || !incident) {
        store?.close();
        throw new UsageError(`no incident #${n} in the store`);
      }
      const events = store.events(n);
      const outbox = store.outbox(n);
      store.close();
      if (ctx.format === 'json') ctx.out(JSON.stringify(incidentData(incident, events, outbox), null, 2));
      else if (ctx.format === 'markdown') ctx.out(incidentMarkdown(incident, events, outbox));
      else ctx.out(incidentText(incident, events, outbox, ctx.style));
      process.exitCode = incident.state === 'resolved' ? EXIT.ok : EXIT.problems;
    });
}
