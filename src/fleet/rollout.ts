// A rolling deploy: hosts taken in order, `width` at a time; after the first host whose deploy did not go
// live no other host starts (those under way finish: each rolls itself back if it must), so every host
// stays on a release that serves.
import type { HostResult } from './host-result.ts';
import type { FleetHost } from './inventory.ts';

/** Each host's result in the order given; null for a host the rollout never started. */
export async function rollout(
  hosts: readonly FleetHost[],
  width: number,
  deploy: (host: FleetHost) => Promise<HostResult>,
): Promise<(HostResult | null)[]> {
  const results: (HostResult | null)[] = hosts.map(() => null);
  let next = 0;
  let stopped = false;
  const worker = async () => {
    while (!stopped && next < hosts.length) {
      const i = next++;
      const result = await deploy(hosts[i] as FleetHost);
      results[i] = result;
      if (result.status !== 'ok') stopped = true;
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, width), hosts.length) }, worker));
  return results;
}

/** The release live on a host, from its `medic --format json releases`. */
export function liveReleaseOf(json: unknown): string | null {
  const releases = (json as { releases?: { id?: string; live?: boolean }[] } | null)?.releases ?? [];
  return releases.find((r) => r.live)?.id ?? null;
}
