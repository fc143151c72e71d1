// What the dashboard shows, as data: the JSON of its /api and what its pages render. Incidents, checks and
// releases keep the shape the CLI prints (`medic incidents --format json`, `medic check --format json`,
// `medic releases --format json`); services add the live state. Everything is masked on the way out.
import { basename, dirname } from 'node:path';
import type { CheckReport } from '../report/checks.ts';
import { incidentData } from '../report/incidents.ts';
import { Masker, safeDeep } from '../report/mask.ts';
import type { UnitFacts } from '../host/systemctl.ts';
import type { ReleaseMeta } from '../deploy/layout.ts';
import type { HostView, StoreReader } from '../store/reader.ts';
import type { DeployRecord, HealthSample, HealthSummary, Incident, IncidentState } from '../store/store.ts';
import type { HealthResult } from '../watch/health.ts';
import type { WatchedService } from '../watch/service.ts';
import { type ServiceState, stateOf } from './state.ts';

const DAY_MS = 86_400_000;
/** The chart's resolution: 288 points a day. */
const BUCKET_MS = 5 * 60_000;

export type ReleaseRow = { id: string; live: boolean } & Partial<ReleaseMeta>;

/** What medic watch knows of a service right now, when the dashboard runs inside it. */
export interface LiveView {
  phase: string;
  lastHealth: HealthResult | null;
}

/** A host's watch that has not shipped for this long is not heard from: its services' state is unknown. */
const SILENT_MS = 120_000;

/** Where the dashboard's data comes from: the store, systemd and, in the daemon, the watchers. */
export interface DashboardSource {
  services: WatchedService[];
  /** This host's store, or the shared one (every host's); null while there is none (medic watch has not run here yet). */
  store(): StoreReader | null;
  unitFacts(units: readonly string[]): Promise<(UnitFacts | null)[]>;
  /** The releases of a release layout (ROOT/releases, ROOT/current), oldest first. */
  releases(root: string): Promise<ReleaseRow[]>;
  live?(service: string): LiveView | null;
  now(): Date;
}

export interface ServiceView {
  /** Its host, with a shared store (which shows every host's services). */
  host?: string;
  name: string;
  unit: string;
  workers: string[];
  state: ServiceState;
  reason: string;
  since: string | null;
  systemd: { active: string; sub: string; since: string | null; restarts: number | null } | null;
  health: {
    url: string;
    last: HealthSample | null;
    /** The last 24 hours of samples. */
    day: { samples: number; failed: number; medianMs: number | null; maxMs: number | null };
    /** The same 24 hours for the chart, in 5-minute points. */
    chart: LatencySeries;
  } | null;
  /** Restarts in the last 24 hours as medic recorded them (systemd's and medic's). */
  restarts: number;
  incident: Pick<
    Incident,
    'id' | 'host' | 'state' | 'trigger' | 'summary' | 'startedAt' | 'causeId' | 'causeTitle' | 'openAlerted'
  > | null;
  release: { live: string | null; lastDeploy: DeployRecord | null };
  lastCheck: { at: string; command: string; pass: number; warn: number; fail: number; skip: number } | null;
}

/** A chart's points: unix seconds, the mean latency of the answers that passed, the slowest failed one. */
export interface LatencySeries {
  t: number[];
  ms: (number | null)[];
  failed: (number | null)[];
}

const masker = new Masker();
const safe = <T>(value: T): T => safeDeep(value, masker);

export async function servicesData(src: DashboardSource): Promise<ServiceView[]> {
  const store = src.store();
  const now = src.now().getTime();
  const here = store?.here;
  const units = src.services.flatMap((s) => [s.unit, ...s.workers]);
  const facts = await src.unitFacts(units);
  const factsOf = new Map(units.map((u, i) => [u, facts[i] ?? null]));
  const checks = new Map(
    (store ? await store.lastCheckRuns() : []).map((r) => [`${r.host}/${r.service}`, r]),
  );
  const views = await Promise.all(
    src.services.map(async (s): Promise<ServiceView> => {
      const unit = factsOf.get(s.unit) ?? null;
      const live = src.live?.(s.name) ?? null;
      const stored = await storedView(store, s.name, here, now, !!s.health);
      const health = live?.lastHealth ? sampleOf(live.lastHealth) : (stored.day?.last ?? null);
      const view = stateOf({
        unit,
        workers: s.workers.map((w) => ({ unit: w, facts: factsOf.get(w) ?? null })),
        unitName: s.unit,
        incident: stored.incident,
        lastResolved: stored.lastResolved,
        health,
        healthSince: stored.day?.runSince ?? null,
        phase: live?.phase ?? null,
        now,
      });
      return {
        ...(here ? { host: here } : {}),
        name: s.name,
        unit: s.unit,
        workers: s.workers,
        ...view,
        systemd: unit
          ? { active: unit.active, sub: unit.sub, since: unit.since, restarts: unit.restarts }
          : null,
        ...serviceFacts(s.health?.url ?? null, health, stored, checks.get(`${here}/${s.name}`), now),
      };
    }),
  );
  // The live release from the layout where systemd says where the app runs; the store's record otherwise.
  await Promise.all(
    views.map(async (v) => {
      const root = rootOf(factsOf.get(v.unit)?.workdir ?? null);
      const live = root ? (await src.releases(root)).find((r) => r.live) : undefined;
      if (live) v.release.live = live.id;
    }),
  );
  const elsewhere = store?.hosts ? (await store.hosts()).filter((h) => h.host !== here) : [];
  const remote = await Promise.all(
    elsewhere.flatMap((h) => h.services.map((s) => remoteView(store, h, s, checks, now))),
  );
  return safe([...views, ...remote]);
}

/** What the store holds of a service: its incidents, a day of health, restarts and its last deploy. */
async function storedView(
  store: StoreReader | null,
  name: string,
  host: string | undefined,
  now: number,
  withHealth: boolean,
) {
  const dayAgo = new Date(now - DAY_MS).toISOString();
  if (!store) return { incident: null, lastResolved: null, day: null, restarts: 0, deploys: [] };
  const [incident, resolved, day, restarts, deploys] = await Promise.all([
    store.currentIncident(name, host),
    store.incidents({ service: name, state: 'resolved', limit: 1, ...(host ? { host } : {}) }),
    withHealth ? store.healthSummary(name, dayAgo, BUCKET_MS, host) : null,
    store.restartTimes(name, dayAgo, host),
    store.deploys(name, '', 1, host),
  ]);
  return { incident, lastResolved: resolved[0] ?? null, day, restarts: restarts.length, deploys };
}

/** A card's facts beyond its state: health over the day, restarts, the incident, the release, the last check. */
function serviceFacts(
  url: string | null,
  health: HealthSample | null,
  stored: Awaited<ReturnType<typeof storedView>>,
  check: { at: string; command: string; report: unknown } | undefined,
  now: number,
): Pick<ServiceView, 'health' | 'restarts' | 'incident' | 'release' | 'lastCheck'> {
  const { incident, day } = stored;
  const summary = (check?.report as CheckReport | undefined)?.summary;
  return {
    health: url
      ? {
          url,
          last: health,
          day: {
            samples: day?.samples ?? 0,
            failed: day?.failed ?? 0,
            medianMs: day?.medianMs ?? null,
            maxMs: day?.maxMs ?? null,
          },
          chart: latencySeries(day?.buckets ?? [], now - DAY_MS, now),
        }
      : null,
    restarts: stored.restarts,
    incident: incident
      ? {
          id: incident.id,
          ...(incident.host ? { host: incident.host } : {}),
          state: incident.state,
          trigger: incident.trigger,
          summary: incident.summary,
          startedAt: incident.startedAt,
          causeId: incident.causeId,
          causeTitle: incident.causeTitle,
          openAlerted: incident.openAlerted,
        }
      : null,
    release: { live: liveOf(stored.deploys[0] ?? null), lastDeploy: stored.deploys[0] ?? null },
    lastCheck: check && summary ? { at: check.at, command: check.command, ...summary } : null,
  };
}

/** Another host's service, as its watch last told the shared store: no systemd of ours to ask. */
async function remoteView(
  store: StoreReader | null,
  h: HostView,
  s: HostView['services'][number],
  checks: Map<string, { at: string; command: string; report: unknown }>,
  now: number,
): Promise<ServiceView> {
  const stored = await storedView(store, s.name, h.host, now, !!s.healthUrl);
  const health = s.lastHealth ? sampleOf(s.lastHealth) : (stored.day?.last ?? null);
  const silent = !h.shippedAt || now - Date.parse(h.shippedAt) > SILENT_MS;
  const view = silent
    ? {
        state: 'unknown' as const,
        reason: `medic watch on ${h.host} not heard from since ${h.shippedAt ?? 'ever'}`,
        since: h.shippedAt,
      }
    : stateOf({
        unit: null,
        workers: [],
        unitName: s.unit,
        incident: stored.incident,
        lastResolved: stored.lastResolved,
        health,
        healthSince: stored.day?.runSince ?? null,
        phase: s.phase,
        now,
      });
  return {
    host: h.host,
    name: s.name,
    unit: s.unit,
    workers: s.workers ?? [],
    ...view,
    systemd: null,
    ...serviceFacts(s.healthUrl ?? null, health, stored, checks.get(`${h.host}/${s.name}`), now),
  };
}

/** The release that serves after a deploy record: its own when it went live, else the one before. */
export function liveOf(d: DeployRecord | null): string | null {
  if (!d) return null;
  return d.outcome === 'live' ? d.release : d.previous;
}

function rootOf(workdir: string | null): string | null {
  if (!workdir) return null;
  return basename(workdir) === 'current' ? dirname(workdir) : workdir;
}

function sampleOf(h: {
  at: string;
  ok: boolean;
  ms: number;
  status?: number | null | undefined;
  problem?: string | null | undefined;
}): HealthSample {
  return { at: h.at, ok: h.ok, ms: Math.round(h.ms), status: h.status ?? null, problem: h.problem ?? null };
}

/** The chart's points from the store's buckets: one each BUCKET_MS from `from` to `to`, null where none. */
export function latencySeries(buckets: HealthSummary['buckets'], from: number, to: number): LatencySeries {
  const out: LatencySeries = { t: [], ms: [], failed: [] };
  const byStart = new Map(buckets.map((b) => [b.at, b]));
  for (let k = Math.floor(from / BUCKET_MS); k <= Math.floor(to / BUCKET_MS); k++) {
    const b = byStart.get(k * BUCKET_MS);
    out.t.push((k * BUCKET_MS) / 1000);
    out.ms.push(b?.okMs ?? null);
    out.failed.push(b?.failedMs ?? null);
  }
  return out;
}

/** The last 24 hours of a service's health, as the chart draws it. */
export async function healthData(
  src: DashboardSource,
  name: string,
  host?: string,
): Promise<{ name: string; samples: HealthSample[] } | null> {
  const store = src.store();
  if (!src.services.some((s) => s.name === name) && !(host && store?.here)) return null;
  const dayAgo = new Date(src.now().getTime() - DAY_MS).toISOString();
  return safe({ name, samples: store ? await store.healthSamples(name, dayAgo, host) : [] });
}

export interface IncidentFilter {
  service?: string;
  state?: IncidentState;
  host?: string;
  limit: number;
}

/** The list of `medic incidents --format json`: newest first, without the diagnoses. */
export async function incidentsData(store: StoreReader | null, filter: IncidentFilter): Promise<Incident[]> {
  const list = store ? await store.incidents(filter) : [];
  return safe(list.map((i) => ({ ...i, diagnosis: undefined })));
}

/** One incident as `medic incidents show ID --format json` prints it; null when there is no such incident. */
export async function incidentDetail(
  store: StoreReader | null,
  id: number,
  host?: string,
): Promise<ReturnType<typeof incidentData> | null> {
  const incident = store ? await store.incident(id, host) : null;
  if (!store || !incident) return null;
  const [timeline, outbox, deploys] = await Promise.all([
    store.timeline(incident),
    store.outbox(id, host),
    store.deploysAround(incident),
  ]);
  return safe(incidentData(incident, timeline, outbox, deploys));
}

export type CheckRunView = CheckReport & { checkedAt: string; command: string; host?: string };

/** The last `medic check` of each service (of each host's, with a shared store), as `medic check --format json` printed it. */
export async function checksData(store: StoreReader | null): Promise<CheckRunView[]> {
  return safe(
    (store ? await store.lastCheckRuns() : []).map((r) => ({
      ...(r.report as CheckReport),
      checkedAt: r.at,
      command: r.command,
      ...(r.host ? { host: r.host } : {}),
    })),
  );
}

export interface ReleasesView {
  /** `medic releases --format json`'s rows, with the service each belongs to; newest first. */
  releases: (ReleaseRow & { service: string })[];
  /** Every deploy and rollback medic recorded (on every host, with a shared store), newest first: how each ended. */
  deploys: DeployRecord[];
  /** This host, with a shared store: the releases are its, the deploys every host's. */
  here?: string;
}

export async function releasesData(src: DashboardSource): Promise<ReleasesView> {
  const facts = await src.unitFacts(src.services.map((s) => s.unit));
  const rows = await Promise.all(
    src.services.map(async (s, i) => {
      const root = rootOf(facts[i]?.workdir ?? null);
      return root ? (await src.releases(root)).map((r) => ({ ...r, service: s.name })).reverse() : [];
    }),
  );
  const store = src.store();
  return safe({
    releases: rows.flat(),
    deploys: store ? await store.deploys(null, '', 100) : [],
    ...(store?.here ? { here: store.here } : {}),
  });
}
