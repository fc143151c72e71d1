// What medic watch is to do, from a validated medic.yaml with every default filled in. The daemon gets it
// as JSON from a short-lived `medic watch --plan` process, so it never loads the YAML parser and the
// schema validator: about 30 MB less memory for as long as it runs.
import {
  healthOf,
  type MedicConfig,
  NOTIFY_DEFAULTS,
  type NotifyConfig,
  WATCH_DEFAULTS,
  type WatchConfig,
  hostNameOf,
} from '../config/medic-yaml.ts';
import { unitId } from '../discover/service.ts';
import type { WatchedService } from './service.ts';
import { storePathOf } from '../store/store.ts';
import { sharedStoreOf } from '../store/pg-url.ts';

export interface WatchPlan {
  /** The medic.yaml it came from. */
  path: string;
  services: WatchedService[];
  watch: WatchConfig;
  notify: NotifyConfig;
  store: string;
  /** The shared store's URL as configured (${NAME} not expanded yet), or null for the SQLite store alone. */
  sharedStore: string | null;
  /** This server's name in alerts and the shared store. */
  host: string;
}

/** The services of medic.yaml as watch sees them: the unit, its worker units, the health request. */
export function watchedServices(config: MedicConfig): WatchedService[] {
  const units = Object.entries(config.services).map(([name, s]) => {
    const workers = Array.isArray(s['workers'])
      ? (s['workers'] as unknown[]).filter((w): w is string => typeof w === 'string').map(unitId)
      : [];
    return { name, unit: unitId(s.unit), workers, health: s.health ? healthOf(s.health) : null };
  });
  const containers = Object.entries(config.containers).map(([name, c]) => ({
    name,
    unit: c.container,
    workers: [],
    health: c.health ? healthOf(c.health) : null,
    container: true,
  }));
  return [...units, ...containers];
}

export function watchPlan(config: MedicConfig, path: string, store?: string): WatchPlan {
  return {
    path,
    services: watchedServices(config),
    watch: config.watch ?? WATCH_DEFAULTS,
    notify: config.notify ?? NOTIFY_DEFAULTS,
    store: storePathOf(config, store),
    sharedStore: sharedStoreOf(config, store),
    host: hostNameOf(config),
  };
}
