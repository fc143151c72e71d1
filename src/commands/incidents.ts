// medic incidents: what medic watch recorded, as a list or one incident's timeline, alerts and diagnosis.
import { jsonOf } from '../report/json.ts';
import { safeDeep as safe } from '../report/mask.ts';
import { pathExists } from '../host/files.ts';
import {
  incidentData,
  incidentMarkdown,
  incidentsMarkdown,
  incidentsText,
  incidentText,
} from '../report/incidents.ts';
import { type IncidentState, Store, storePathOf } from '../store/store.ts';
import { findConfig } from '../config/medic-yaml.ts';
import { EXIT } from '../cli/exit.ts';
import { UsageError } from '../errors.ts';
import type { Context } from '../cli/main.ts';

export interface IncidentsOptions {
  config?: string;
  store?: string;
  service?: string;
  state?: IncidentState;
  limit: string;
}

async function openStore(opts: IncidentsOptions): Promise<Store | null> {
  const found = opts.store ? null : await findConfig(opts.config);
  const path = storePathOf(found?.config ?? null, opts.store);
  if (!pathExists(path)) return null;
  return Store.open(path, { create: false });
}

export async function incidents(opts: IncidentsOptions, ctx: Context): Promise<void> {
  if (ctx.format === 'junit' || ctx.format === 'tap')
    throw new UsageError(
      `--format ${ctx.format} is for medic check; incidents prints text, json or markdown`,
    );
  const limit = Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new UsageError(`--limit ${opts.limit}: give a whole number above 0`);
  const store = await openStore(opts);
  const list = store
    ? safe(
        store.incidents({
          ...(opts.service ? { service: opts.service } : {}),
          ...(opts.state ? { state: opts.state } : {}),
          limit,
        }),
      )
    : [];
  if (ctx.format === 'json')
    ctx.out(
      jsonOf(
        'incidents',
        'incidents',
        list.map((i) => ({ ...i, diagnosis: undefined })),
      ),
    );
  else if (ctx.format === 'markdown') ctx.out(incidentsMarkdown(list));
  else
    ctx.out(
      store ? incidentsText(list, ctx.style) : 'no incidents recorded (medic watch has not run here yet)',
    );
  store?.close();
  process.exitCode = list.some((i) => i.state !== 'resolved') ? EXIT.problems : EXIT.ok;
}

export async function incidentShow(id: string, opts: IncidentsOptions, ctx: Context): Promise<void> {
  const n = Number(id.replace(/^#/, ''));
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${id}: an incident number, like 12`);
  const store = await openStore(opts);
  const found = store?.incident(n) ?? null;
  if (!store || !found) {
    store?.close();
    throw new UsageError(`no incident #${n} in the store`);
  }
  // masked again on the way out, as the dashboard does: a record from before masking keeps no secret
  const [events, outbox, deploys] = safe([
    store.timeline(found),
    store.outbox(n),
    store.deploysAround(found),
  ]);
  const incident = safe(found);
  store.close();
  if (ctx.format === 'json')
    ctx.out(jsonOf('incidents', 'incidents', [incidentData(incident, events, outbox, deploys)]));
  else if (ctx.format === 'markdown') ctx.out(incidentMarkdown(incident, events, outbox));
  else ctx.out(incidentText(incident, events, outbox, ctx.style));
  process.exitCode = incident.state === 'resolved' ? EXIT.ok : EXIT.problems;
}
