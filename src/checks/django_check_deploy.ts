import type { Service } from '../discover/service.ts';
import { defineCheck, fail, type Output, pass, skip, warn } from './types.ts';

export interface DjangoIssue {
  id: string;
  level: 'error' | 'warning' | 'info';
  object: string;
  message: string;
}

/** The issues of `manage.py check` output: "?: (security.W004) You have not set …", HINT lines folded in. */
export function parseDjangoCheck(output: string): DjangoIssue[] {
  const issues: DjangoIssue[] = [];
  for (const line of output.split('\n')) {
    const m = /^(\S.*?): \((\w+(?:\.\w+)*\.([CEWID])\d+)\) (.*)$/.exec(line);
    if (m) {
      const letter = m[3];
      issues.push({
        id: m[2] ?? '',
        level: letter === 'W' ? 'warning' : letter === 'I' || letter === 'D' ? 'info' : 'error',
        object: m[1] ?? '',
        message: (m[4] ?? '').trim(),
      });
    } else if (/^\s+HINT:/.test(line) && issues.length > 0) {
      const last = issues[issues.length - 1];
      if (last) last.message += ` (${line.trim()})`;
    }
  }
  return issues;
}

// Warnings that are outages or breaches in production, not advice.
const SERIOUS = new Set(['security.W018', 'security.W009', 'security.W020']);

export interface CheckDeployFacts {
  service: Pick<Service, 'project' | 'python' | 'user' | 'unit' | 'envFiles'>;
  hasManagePy: boolean;
  canActAsUser: boolean;
  /** `manage.py check --deploy` as the unit's user; null when it could not run. */
  output: Output | null;
}

export const check = defineCheck<CheckDeployFacts>({
  meta: {
    id: 'django.check_deploy',
    layer: 'app',
    title: "Django's deployment checklist passes (manage.py check --deploy)",
    docs: "Runs `manage.py check --deploy` as the unit's user with its environment and reports each issue with its id. Errors, DEBUG=True (W018), a weak SECRET_KEY (W009) and an empty ALLOWED_HOSTS (W020) fail; other security warnings warn. Silence a warning that does not apply in SILENCED_SYSTEM_CHECKS.",
    risk: true,
    runsAppPython: true,
  },
  async gather(ctx) {
    const { service, host } = ctx;
    const project = service.project;
    const canActAsUser = ctx.canActAsUser();
    const facts: CheckDeployFacts = { service, hasManagePy: false, canActAsUser, output: null };
    if (project?.framework !== 'django' || !service.python) return facts;
    facts.hasManagePy = Boolean(await host.stat(`${project.root}/manage.py`));
    if (!facts.hasManagePy || !canActAsUser) return facts;
    const python = service.python;
    facts.output =
      (await ctx.appProbePart('djangoCheck')) ??
      (await ctx.asUser([python, 'manage.py', 'check', '--deploy'], {
        cwd: project.root,
        timeoutMs: Math.max(ctx.timeoutMs, 15_000),
      }));
    return facts;
  },
  judge({ service, hasManagePy, canActAsUser, output: r }) {
    const project = service.project;
    if (project?.framework !== 'django') return skip('not a Django project');
    if (!service.python) return skip('no Python interpreter found for the app');
    if (!hasManagePy) return skip(`no ${project.root}/manage.py`);
    if (!canActAsUser) return skip(`run medic as root to run manage.py as ${service.user}`);
    if (!r) return skip('could not run manage.py');
    const output = `${r.stdout}\n${r.stderr}`;
    const issues = parseDjangoCheck(output);
    const evidence = issues.map((i) => `${i.id}: ${i.message}`);
    const fix = [`cd ${project.root} && sudo -u ${service.user} ${service.python} manage.py check --deploy`];
    const serious = issues.filter((i) => i.level === 'error' || SERIOUS.has(i.id));
    if (serious.length > 0)
      return fail(
        `${serious.map((i) => i.id).join(', ')}: ${serious[0]?.message.split('. ')[0] ?? ''}`,
        evidence,
        [
          ...(serious.some((i) => i.id === 'security.W018')
            ? [
                `set DEBUG=False in ${service.envFiles[0]?.path ?? 'the settings'}; systemctl restart ${service.unit}`,
              ]
            : []),
          ...fix,
        ],
      );
    if (r.code !== 0 && issues.length === 0)
      return fail(`manage.py check --deploy exits ${r.code}`, [output.trim().split('\n').pop() ?? ''], fix);
    const warnings = issues.filter((i) => i.level === 'warning');
    if (warnings.length > 0)
      return warn(
        `${warnings.length} deployment warnings: ${warnings.map((w) => w.id).join(', ')}`,
        evidence,
        fix,
      );
    return pass(
      /\(\d+ silenced\)/.exec(output)
        ? `no issues ${/\((\d+ silenced)\)/.exec(output)?.[0] ?? ''}`
        : 'no issues',
    );
  },
});
