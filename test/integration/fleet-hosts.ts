// The testbed's three hosts (scripts/testbed hosts) as medic on this machine sees them: the inventory naming
// them by their Host in the testbed's ssh_config, the medic.yaml each host gets, and the environment that
// points medic's ssh at that ssh_config and its known_hosts.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const HOST_NAMES = ['web1', 'web2', 'web3'] as const;
export const SSH_CONFIG = '/run/medic-testbed/hosts/ssh_config';

/** What each host's medic checks and watches: the three apps of the testbed, by unit and health URL. */
export const HOST_YAML = `version: 1
services:
  flaskapp:
    unit: flaskapp.service
    health:
      url: http://flask.medic.test/health
  fastapi:
    unit: fastapi.service
    health:
      url: https://fastapi.medic.test/health
  djangoapp:
    unit: djangoapp.service
    health:
      url: http://django.medic.test/health
`;

/** Writes DIR/medic.yaml (the inventory, every host labelled web) and DIR/web.yaml (the hosts' own). */
export function writeFleetFiles(dir: string): void {
  writeFileSync(join(dir, 'web.yaml'), HOST_YAML);
  writeFileSync(
    join(dir, 'medic.yaml'),
    `version: 1\nhosts:\n${HOST_NAMES.map((n) => `  - name: ${n}\n    ssh: ${n}\n    labels: [web]`).join('\n')}\n`,
  );
}

/** medic's environment: ssh through the testbed's ssh_config, no colour. */
export const fleetEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  NO_COLOR: '1',
  MEDIC_SSH_COMMAND: `ssh -F ${SSH_CONFIG}`,
});
