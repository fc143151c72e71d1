import { showValue } from '../systemd/show.ts';
import type { Service } from '../discover/service.ts';
import { defineCheck, fail, pass } from './types.ts';

/** The names in an /etc/passwd or /etc/group file. */
export function namesOf(text: string): Set<string> {
  return new Set(
    text
      .split('\n')
      .map((l) => l.split(':')[0] ?? '')
      .filter((n) => n && !n.startsWith('#') && !n.startsWith('+')),
  );
}

export interface UserFacts {
  service: Pick<Service, 'show' | 'user' | 'group' | 'unit'>;
  /** /etc/passwd and /etc/group; null when unreadable. */
  passwd: string | null;
  group: string | null;
}

export const check = defineCheck<UserFacts>({
  meta: {
    id: 'unit.user_exists',
    layer: 'process',
    title: "the unit's User= and Group= exist on this server",
    docs: 'A User= that the server does not have stops the start with status=217/USER (and a missing Group= with 216/GROUP): common when a unit file is copied from another server.',
    gatesDeploy: true,
  },
  async gather({ host, service }) {
    const [passwd, group] = await Promise.all([host.readFile('/etc/passwd'), host.readFile('/etc/group')]);
    return { service, passwd: passwd ?? null, group: group ?? null };
  },
  judge({ service, passwd, group }) {
    if (showValue(service.show, 'DynamicUser') === 'yes')
      return pass('DynamicUser=yes: systemd makes the user');
    const users = namesOf(passwd ?? '');
    const groups = namesOf(group ?? '');
    const problems: string[] = [];
    const fix: string[] = [];
    if (!users.has(service.user)) {
      problems.push(`user ${service.user} does not exist`);
      fix.push(`useradd --system --no-create-home --shell /usr/sbin/nologin ${service.user}`);
    }
    if (!groups.has(service.group)) {
      problems.push(`group ${service.group} does not exist`);
      if (users.has(service.user) || service.group !== service.user)
        fix.push(`groupadd --system ${service.group}`);
    }
    if (problems.length > 0)
      return fail(
        problems.join(', '),
        [`User=${service.user}`, `Group=${service.group}`],
        [...fix, `# or: systemctl edit ${service.unit} and name the user the app's files belong to`],
      );
    return pass(`runs as ${service.user}:${service.group}`);
  },
});
