import type { EnvRead } from '../../discover/project.ts';
import { missingNames, PROVIDED } from '../env_required_present.ts';
import { defineCheck, fail, pass, skip } from '../types.ts';
import { type ContainerContext, envOf, SERVICE } from './context.ts';

export interface EnvRequiredFacts {
  name: string;
  service: string | null;
  /** The names the container's env sets (values never leave the context). */
  env: string[];
  /** What its code reads, from its working directory; null when it has none medic can read. */
  reads: EnvRead[] | null;
  workdir: string | null;
}

// Docker sets these in every container.
const DOCKER_PROVIDED = ['HOSTNAME', 'HOME', 'PATH', 'TERM'];

export const check = defineCheck<EnvRequiredFacts, ContainerContext>({
  meta: {
    id: 'docker.env_required',
    layer: 'app',
    title: "every variable the code reads without a default is in the container's env",
    docs: 'Reads the code in the container\'s working directory (through the engine, running or not) for os.environ["X"], env("X") and config("X") without a default, and compares with the env the container really has: a name missing from the env file or from environment: is a KeyError or ImproperlyConfigured at start. Names only; values are never shown.',
    gatesDeploy: true,
  },
  async gather(ctx) {
    const [c, project] = await Promise.all([ctx.inspect(), ctx.project()]);
    return {
      name: ctx.name,
      service: c?.Config.Labels?.[SERVICE] ?? null,
      env: c ? Object.keys(envOf(c)) : [],
      reads: project?.envReads ?? null,
      workdir: c?.Config.WorkingDir ?? null,
    };
  },
  judge({ name, service, env, reads, workdir }) {
    if (!reads) return skip(`no Python code found in its working directory${workdir ? ` (${workdir})` : ''}`);
    const required = reads.filter((r) => r.required);
    if (required.length === 0) return skip('the code reads no variable without a default');
    const set = Object.fromEntries(env.map((n) => [n, '']));
    const missing = missingNames(reads, set, [...PROVIDED, ...DOCKER_PROVIDED]);
    if (missing.length === 0)
      return pass(`${required.length} required variables set (${required.map((r) => r.name).join(', ')})`);
    return fail(
      `${missing.map((m) => m.name).join(', ')} ${missing.length === 1 ? 'is' : 'are'} read by the code but not in ${name}'s env`,
      missing.map((m) => `${m.name}: read at ${workdir ? `${workdir}/` : ''}${m.where}`),
      service
        ? [
            ...missing.map(
              (m) =>
                `echo '${m.name}=…' >> .env    # the env_file of ${service} in docker-compose.yml: the real value`,
            ),
            `docker compose up -d ${service}`,
          ]
        : [`# run ${name} again with ${missing.map((m) => `-e ${m.name}=…`).join(' ')} (or --env-file)`],
    );
  },
});
