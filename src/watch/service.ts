// A service as medic watch sees it: its unit, its worker units and its health request, from medic.yaml.
import type { Health } from '../discover/service.ts';

export interface WatchedService {
  name: string;
  unit: string;
  /** Task worker units of the app: their crashes are the service's incidents too. */
  workers: string[];
  health: Health | null;
  /** A container (its name is `unit`): the engine's events and inspect stand for the journal and systemd. */
  container?: boolean;
}

/** Every unit the services name (apps and their workers), once each. */
export function unitsOf(services: readonly WatchedService[]): string[] {
  return [...new Set(services.flatMap((s) => [s.unit, ...s.workers]))];
}
