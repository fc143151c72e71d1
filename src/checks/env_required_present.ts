import type { EnvRead } from '../discover/project.ts';
import type { Service } from '../discover/service.ts';
import { defineCheck, fail, pass, skip } from './types.ts';

/** The names the code reads without a default that the unit's environment does not set. */
export function missingNames(
  reads: EnvRead[],
  env: Record<string, string>,
  inherited: string[] = [],
): EnvRead[] {
  return reads.filter((r) => r.required && !(r.name in env) && !inherited.includes(r.name));
}

// Set by systemd or the server itself for every service.
export const PROVIDED = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'INVOCATION_ID',
  'JOURNAL_STREAM',
  'PWD',
  'PORT',
  'LISTEN_FDS',
  'LISTEN_PID',
  'RUNTIME_DIRECTORY',
  'STATE_DIRECTORY',
  'LOGS_DIRECTORY',
  'CACHE_DIRECTORY',
  'SERVER_SOFTWARE',
];

export interface RequiredEnvFacts {
  service: Pick<Service, 'project' | 'env' | 'envFiles' | 'unit'>;
}

export const check = defineCheck<RequiredEnvFacts>({
  meta: {
    id: 'env.required_present',
    layer: 'app',
    title: "every variable the code reads without a default is in the unit's environment",
    docs: 'Reads the project\'s own Python files for os.environ["X"], env("X") and config("X") without a default, and compares with Environment= and the EnvironmentFile= files: a missing one is a KeyError or ImproperlyConfigured at start-up. Names only; values are never shown.',
    gatesDeploy: true,
  },
  async gather({ service }) {
    return { service };
  },
  judge({ service }) {
    const project = service.project;
    if (!project) return skip('no project directory to read');
    const required = project.envReads.filter((r) => r.required);
    if (required.length === 0) return skip('the code reads no variable without a default');
    const missing = missingNames(project.envReads, service.env, PROVIDED);
    const file = service.envFiles[0]?.path;
    if (missing.length > 0)
      return fail(
        `${missing.map((m) => m.name).join(', ')} ${missing.length === 1 ? 'is' : 'are'} read by the code but not set for ${service.unit}`,
        missing.map((m) => `${m.name}: read at ${m.where}`),
        [
          ...missing.map((m) =>
            file
              ? `echo '${m.name}=…' >> ${file}    # the real value`
              : `systemctl edit ${service.unit}    # Environment=${m.name}=…`,
          ),
          `systemctl restart ${service.unit}`,
        ],
      );
    return pass(`${required.length} required variables set (${required.map((r) => r.name).join(', ')})`);
  },
});
