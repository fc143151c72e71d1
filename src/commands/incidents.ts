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
import { DEFAULT_STORE, type IncidentState, Store, storePathOf } from '../store/store.ts';
import { isSharedStoreUrl, resolveStoreUrl, sharedStoreOf } from '../store/pg-url.ts';
import type { SharedStoreReader } from '../store/pg-reader.ts';
import type { StoreReader } from '../store/reader.ts';
import { findConfig, hostNameOf } from '../config/medic-yaml.ts';
import { EXIT } from '../cli/exit.ts';
import { UsageError } from '../errors.ts';
import type { Context } from '../cli/main.ts';

export interface IncidentsOptions {
  config?: string;
  store?: string;
  service?: string;
  state?: IncidentState;
  /** Only this host's (a shared store holds every host's). */
  host?: string;
  limit: string;
}

/** The store to read: the shared one when medic.yaml, --store or MEDIC_STORE_URL names it, else this host's. */
interface OpenStore {
  reader: StoreReader;
  /** The shared store's reader, for an incident number that is on several hosts. */
  shared: SharedStoreReader | null;
  close(): Promise<void>;
}

async function openStore(opts: IncidentsOptions): Promise<OpenStore | null> {
  const found = opts.store ? null : await findConfig(opts.config);
  // an explicit --store FILE reads that file, whatever the environment says
  const url =
    opts.store && !isSharedStoreUrl(opts.store)
      ? null
      : resolveStoreUrl(sharedStoreOf(found?.config ?? null, opts.store));
  if (url) return openShared(url, hostNameOf(found?.config));
  if (opts.host)
    throw new UsageError(`--host ${opts.host}: only a shared store (store: in medic.yaml) holds other hosts`);
  const path = storePathOf(found?.config ?? null, opts.store);
  if (!pathExists(path)) return null;
  const store = Store.open(path, { create: false });
  return { reader: store, shared: null, close: async () => store.close() };
}

async function openShared(url: string, host: string): Promise<OpenStore> {
  const [{ SharedStore }, { SharedStoreReader }] = await Promise.all([
    import('../store/pg-store.ts'),
    import('../store/pg-reader.ts'),
  ]);
  const store = new SharedStore(url, { application: 'medic incidents', migrate: false, max: 1 });
  try {
    await store.ready();
  } catch (error) {
    await store.close();
    throw new UsageError(
      `cannot read the shared store ${store.shown}: ${store.problem(error)} (--store ${DEFAULT_STORE} reads this host's own)`,
    );
  }
  const reader = new SharedStoreReader(store, host);
  return { reader, shared: reader, close: () => store.close() };
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
  try {
    const list = store
      ? safe(
          await store.reader.incidents({
            ...(opts.service ? { service: opts.service } : {}),
            ...(opts.state ? { state: opts.state } : {}),
            ...(opts.host ? { host: opts.host } : {}),
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
    process.exitCode = list.some((i) => i.state !== 'resolved') ? EXIT.problems : EXIT.ok;
  } finally {
    await store?.close();
  }
}

export async function incidentShow(id: string, opts: IncidentsOptions, ctx: Context): Promise<void> {
  // 12, #12, or HOST/12 for one host's in a shared store
  const m = /^(?:([\w.-]+)\/)?#?(\d+)$/.exec(id);
  const n = Number(m?.[2]);
  if (!m || !Number.isInteger(n) || n < 1)
    throw new UsageError(`${id}: an incident number, like 12 (or web2/12)`);
  const store = await openStore({ ...opts, ...(m[1] ? { host: m[1] } : {}) });
  try {
    const host = m[1] ?? opts.host ?? (await onlyHostWith(store?.shared ?? null, n));
    const found = (await store?.reader.incident(n, host)) ?? null;
    if (!store || !found)
      throw new UsageError(`no incident #${n}${host && store?.shared ? ` on ${host}` : ''} in the store`);
    // masked again on the way out, as the dashboard does: a record from before masking keeps no secret
    const [events, outbox, deploys] = safe([
      await store.reader.timeline(found),
      await store.reader.outbox(n, host),
      await store.reader.deploysAround(found),
    ]);
    const incident = safe(found);
    if (ctx.format === 'json')
      ctx.out(jsonOf('incidents', 'incidents', [incidentData(incident, events, outbox, deploys)]));
    else if (ctx.format === 'markdown') ctx.out(incidentMarkdown(incident, events, outbox));
    else ctx.out(incidentText(incident, events, outbox, ctx.style));
    process.exitCode = incident.state === 'resolved' ? EXIT.ok : EXIT.problems;
  } finally {
    await store?.close();
  }
}

/** The host of incident #n in a shared store when one host has it; several are a question for the user. */
async function onlyHostWith(shared: SharedStoreReader | null, n: number): Promise<string | undefined> {
  if (!shared) return undefined;
  const hosts = await shared.hostsWithIncident(n);
  if (hosts.length > 1)
    throw new UsageError(
      `incident #${n} is on ${hosts.join(', ')}: say which, as ${hosts[0]}/${n} or --host ${hosts[0]}`,
    );
  return hosts[0];
}
