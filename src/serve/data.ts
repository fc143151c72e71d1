// What the dashboard shows, as data: the JSON of its /api and what its pages render. Incidents, checks and
// releases keep the shape the CLI prints (`medic incidents --format json`, `medic check --format json`,
// `medic releases --format json`); services add the live state. Everything is masked on the way out.
import { basename, dirname } from 'node:path';
import type { CheckReport } from '../report/checks.ts';
import { incidentData } from '../report/incidents.ts';
import { Masker, safeDeep } from '../report/mask.ts';
import type { UnitFacts } from '../host/systemctl.ts';
import type { ReleaseMeta } from '../deploy/layout.ts';
import type {
  DeployRecord,
  HealthSample,
  HealthSummary,
  Incident,
  IncidentState,
  Store,
} from '../store/store.ts';
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

/** Where the dashboard's data comes from: the store, systemd and, in the daemon, the watchers. */
export interface DashboardSource {
  services: WatchedService[];
  /** The store, or null while there is none (medic watch has not run here yet). */
  store(): Store | null;
  unitFacts(units: readonly string[]): Promise<(UnitFacts | null)[]>;
  /** The releases of a release layout (ROOT/releases, ROOT/current), oldest first. */
  releases(root: string): Promise<ReleaseRow[]>;
  live?(service: string): LiveView | null;
  now(): Date;
}

export interface ServiceView {
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
    'id' | 'state' | 'trigger' | 'summary' | 'startedAt' | 'causeId' | 'causeTitle'
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
  const dayAgo = new Date(now - DAY_MS).toISOString();
  const units = src.services.flatMap((s) => [s.unit, ...s.workers]);
  const facts = await src.unitFacts(units);
  const factsOf = new Map(units.map((u, i) => [u, facts[i] ?? null]));
  const checks = new Map((store?.lastCheckRuns() ?? []).map((r) => [r.service, r]));
  const views = src.services.map((s): ServiceView => {
    const unit = factsOf.get(s.unit) ?? null;
    const incident = store?.currentIncident(s.name) ?? null;
    const lastResolved = store?.incidents({ service: s.name, state: 'resolved', limit: 1 })[0] ?? null;
    const day = s.health && store ? store.healthSummary(s.name, dayAgo, BUCKET_MS) : null;
    const live = src.live?.(s.name) ?? null;
    const health = live?.lastHealth ? sampleOf(live.lastHealth) : (day?.last ?? null);
    const view = stateOf({
      unit,
      workers: s.workers.map((w) => ({ unit: w, facts: factsOf.get(w) ?? null })),
      unitName: s.unit,
      incident,
      lastResolved,
      health,
      healthSince: day?.runSince ?? null,
      phase: live?.phase ?? null,
      now,
    });
    const deploys = store?.deploys(s.name, '', 1) ?? [];
    const check = checks.get(s.name);
    const summary = (check?.report as CheckReport | undefined)?.summary;
    return {
      name: s.name,
      unit: s.unit,
      workers: s.workers,
      ...view,
      systemd: unit
        ? { active: unit.active, sub: unit.sub, since: unit.since, restarts: unit.restarts }
        : null,
      health: s.health
        ? {
            url: s.health.url,
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
      restarts: store?.restartTimes(s.name, dayAgo).length ?? 0,
      incident: incident
        ? {
            id: incident.id,
            state: incident.state,
            trigger: incident.trigger,
            summary: incident.summary,
            startedAt: incident.startedAt,
            causeId: incident.causeId,
            causeTitle: incident.causeTitle,
          }
        : null,
      release: { live: liveOf(deploys[0] ?? null), lastDeploy: deploys[0] ?? null },
      lastCheck: check && summary ? { at: check.at, command: check.command, ...summary } : null,
    };
  });
  // The live release from the layout where systemd says where the app runs; the store's record otherwise.
  await Promise.all(
    views.map(async (v) => {
      const root = rootOf(factsOf.get(v.unit)?.workdir ?? null);
      const live = root ? (await src.releases(root)).find((r) => r.live) : undefined;
      if (live) v.release.live = live.id;
    }),
  );
  return safe(views);
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

function sampleOf(h: HealthResult): HealthSample {
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
export function healthData(
  src: DashboardSource,
  name: string,
): { name: string; samples: HealthSample[] } | null {
  if (!src.services.some((s) => s.name === name)) return null;
  const dayAgo = new Date(src.now().getTime() - DAY_MS).toISOString();
  return safe({ name, samples: src.store()?.healthSamples(name, dayAgo) ?? [] });
}

export interface IncidentFilter {
  service?: string;
  state?: IncidentState;
  limit: number;
}

/** The list of `medic incidents --format json`: newest first, without the diagnoses. */
export function incidentsData(store: Store | null, filter: IncidentFilter): Incident[] {
  const list = store?.incidents(filter) ?? [];
  return safe(list.map((i) => ({ ...i, diagnosis: undefined })));
}

/** One incident as `medic incidents show ID --format json` prints it; null when there is no such incident. */
export function incidentDetail(store: Store | null, id: number): ReturnType<typeof incidentData> | null {
  const incident = store?.incident(id) ?? null;
  if (!store || !incident) return null;
  return safe(
    incidentData(incident, store.timeline(incident), store.outbox(id), store.deploysAround(incident)),
  );
}

export type CheckRunView = CheckReport & { checkedAt: string; command: string };

/** The last `medic check` of each service: its report as `medic check --format json` printed it. */
export function checksData(store: Store | null): CheckRunView[] {
  return safe(
    (store?.lastCheckRuns() ?? []).map((r) => ({
      ...(r.report as CheckReport),
      checkedAt: r.at,
      command: r.command,
    })),
  );
}

export interface ReleasesView {
  /** `medic releases --format json`'s rows, with the service each belongs to; newest first. */
  releases: (ReleaseRow & { service: string })[];
  /** Every deploy and rollback medic recorded, newest first: how each ended. */
  deploys: DeployRecord[];
}

export async function releasesData(src: DashboardSource): Promise<ReleasesView> {
  const facts = await src.unitFacts(src.services.map((s) => s.unit));
  const rows = await Promise.all(
    src.services.map(async (s, i) => {
      const root = rootOf(facts[i]?.workdir ?? null);
      return root ? (await src.releases(root)).map((r) => ({ ...r, service: s.name })).reverse() : [];
    }),
  );
  return safe({ releases: rows.flat(), deploys: src.store()?.deploys(null, '', 100) ?? [] });
}
