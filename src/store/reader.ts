// What medic incidents and the dashboard read, whichever store holds it: this host's SQLite store (Store,
// synchronous, one host) or the shared store (SharedStoreReader, every host). `host` narrows a shared read to
// one host; the SQLite store, which holds one host only, ignores it.
import type {
  CheckRun,
  DeployRecord,
  HealthSample,
  HealthSummary,
  Incident,
  IncidentEvent,
  IncidentState,
  OutboxMessage,
} from './store.ts';

type Maybe<T> = T | Promise<T>;

export interface IncidentQuery {
  service?: string;
  state?: IncidentState;
  limit?: number;
  host?: string;
}

/** What a host's medic watch knew of its services when it last shipped (the shared store only). */
export interface HostView {
  host: string;
  /** When it last shipped or said it is alive. */
  shippedAt: string | null;
  services: {
    name: string;
    unit: string;
    workers?: string[];
    healthUrl?: string | null;
    phase: string | null;
    lastHealth: {
      at: string;
      ok: boolean;
      ms: number;
      status?: number | null;
      problem?: string | null;
    } | null;
  }[];
}

export interface StoreReader {
  incidents(filter?: IncidentQuery): Maybe<Incident[]>;
  incident(id: number, host?: string): Maybe<Incident | null>;
  currentIncident(service: string, host?: string): Maybe<Incident | null>;
  timeline(incident: Incident): Maybe<IncidentEvent[]>;
  outbox(incidentId: number, host?: string): Maybe<OutboxMessage[]>;
  deploysAround(incident: Incident): Maybe<DeployRecord[]>;
  deploys(service: string | null, since?: string, limit?: number, host?: string): Maybe<DeployRecord[]>;
  restartTimes(service: string, since: string, host?: string): Maybe<string[]>;
  healthSummary(service: string, since: string, bucketMs: number, host?: string): Maybe<HealthSummary>;
  healthSamples(service: string, since: string, host?: string): Maybe<HealthSample[]>;
  lastCheckRuns(host?: string): Maybe<CheckRun[]>;
  changeMark(): Maybe<string>;
  /** This host's name in the shared store; absent for a SQLite store, which holds this host's only. */
  readonly here?: string;
  /** Every host that shipped to the shared store; absent for a SQLite store. */
  hosts?(): Promise<HostView[]>;
}
