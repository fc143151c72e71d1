// Which hosts a command runs on: --hosts names (of hosts: in medic.yaml), labels, or plain ssh targets;
// --all-hosts every host of the inventory. A name that is neither is given to ssh as it is.
import { dirname, resolve } from 'node:path';
import { UsageError } from '../errors.ts';
import { type HostEntry, SSH_TARGET } from './host-entry.ts';

/** A host as the fleet commands use it: its config path, if any, made absolute. */
export interface FleetHost {
  name: string;
  ssh: string;
  labels: string[];
  medic?: string;
  /** Run medic there through `sudo -n`. */
  sudo?: boolean;
  config?: string;
}

export interface HostSelection {
  hosts?: string;
  allHosts?: boolean;
}

/** The hosts selected, in the order given (the inventory's order for --all-hosts), each once. */
export function selectHosts(
  selection: HostSelection,
  inventory: readonly HostEntry[],
  inventoryPath: string | null,
): FleetHost[] {
  const known = inventory.map((h) => fleetHost(h, inventoryPath));
  if (selection.allHosts && selection.hosts !== undefined)
    throw new UsageError('give --hosts or --all-hosts, not both');
  if (selection.allHosts) {
    if (known.length === 0)
      throw new UsageError(
        `--all-hosts: ${inventoryPath ?? 'no medic.yaml here or in /etc/medic'}${inventoryPath ? ' has no hosts:' : ''}: list them under hosts: (name, ssh), or give --hosts root@10.0.0.5,…`,
      );
    return known;
  }
  const words = (selection.hosts ?? '')
    .split(',')
    .map((w) => w.trim())
    .filter(Boolean);
  if (words.length === 0)
    throw new UsageError('--hosts: give host names, labels or ssh targets, comma-separated');
  const chosen: FleetHost[] = [];
  for (const word of words) {
    const byName = known.filter((h) => h.name === word);
    const byLabel = known.filter((h) => h.labels.includes(word));
    const matched = byName.length > 0 ? byName : byLabel;
    if (matched.length === 0) {
      if (!SSH_TARGET.test(word))
        throw new UsageError(`--hosts ${word}: not a host of medic.yaml, a label, or an ssh target`);
      matched.push({ name: word, ssh: word, labels: [] });
    }
    for (const h of matched) if (!chosen.some((c) => c.name === h.name)) chosen.push(h);
  }
  return chosen;
}

function fleetHost(h: HostEntry, inventoryPath: string | null): FleetHost {
  return {
    name: h.name,
    ssh: h.ssh,
    labels: h.labels ?? [],
    ...(h.medic ? { medic: h.medic } : {}),
    ...(h.sudo ? { sudo: true } : {}),
    ...(h.config ? { config: resolve(inventoryPath ? dirname(inventoryPath) : '.', h.config) } : {}),
  };
}
