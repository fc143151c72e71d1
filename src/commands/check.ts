// medic check: every check that applies, in parallel, each under its deadline, rendered in request-path order.
import { jsonOf } from '../report/json.ts';
import { formatBind } from '../app/bind.ts';
import { CheckContext } from '../checks/context.ts';
import { CHECKS } from '../checks/index.ts';
import { runChecks, selectChecks, summaryOf } from '../checks/run.ts';
import { findConfig, healthOf, type MedicConfig } from '../config/medic-yaml.ts';
import { appUnits, discoverService, type Health, unitId } from '../discover/service.ts';
import { nginxView, serviceUnits } from '../discover/units.ts';
import { containerNamed, findContainer } from '../diagnose/container.ts';
import { ContainerContext, nameOf, PROJECT, publishedBinds, SERVICE } from '../checks/docker/context.ts';
import { DOCKER_CHECKS } from '../checks/docker/index.ts';
import type { ContainerSummary } from '../host/docker.ts';
import type { Check } from '../checks/types.ts';
import { localHost } from '../host/host.ts';
import { snapshotOf } from '../host/snapshot.ts';
import { Memo } from '../checks/memo.ts';
import { type CheckReport, checksJunit, checksMarkdown, checksTap, checksText } from '../report/checks.ts';
import { Masker, neutraliseDeep } from '../report/mask.ts';
import { Store, storePathOf } from '../store/store.ts';
import { EXIT } from '../cli/exit.ts';
import { UsageError } from '../errors.ts';
import type { Context } from '../cli/main.ts';

export interface CheckOptions {
  config?: string;
  only?: string;
  skip?: string;
  timeout: string;
  list?: boolean;
}

const list = (s: string | undefined) =>
  (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

export async function check(units: string[], opts: CheckOptions, ctx: Context): Promise<void> {
  if (opts.list) {
    if (ctx.format === 'json')
      ctx.out(
        jsonOf(
          'check',
          'checks',
          [...CHECKS, ...DOCKER_CHECKS].map((c) => c.meta),
        ),
      );
    else
      ctx.out(
        [...CHECKS, ...DOCKER_CHECKS]
          .map((c) => `${c.meta.id.padEnd(30)} ${c.meta.layer.padEnd(9)} ${c.meta.title}`)
          .join('\n'),
      );
    return;
  }
  const timeoutMs = Number(opts.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 60_000)
    throw new UsageError('--timeout takes milliseconds between 100 and 60000');
  const loaded = units.length === 0 || opts.config ? await findConfig(opts.config) : null;
  const skipFromConfig = loaded?.config.check?.skip ?? [];
  // one look at the server: what every service's checks ask of the host is read once
  const host = snapshotOf(localHost());
  const shared = new Memo();
  let targets: {
    unit: string;
    health?: Health | null;
    writable?: string[];
    skip?: string[];
    /** medic.yaml lists it under containers: */
    container?: boolean;
  }[];
  if (units.length > 0) {
    targets = units.map((u) => {
      const fromConfig = loaded
        ? Object.values(loaded.config.services).find((s) => s.unit === u || s.unit === `${u}.service`)
        : undefined;
      return fromConfig ? targetOf(fromConfig) : { unit: u };
    });
  } else if (loaded) {
    targets = [
      ...Object.values(loaded.config.services).map(targetOf),
      ...Object.values(loaded.config.containers).map((c) => ({
        unit: c.container,
        container: true,
        ...(c.skip ? { skip: c.skip } : {}),
      })),
    ];
  } else {
    const { apps } = await appUnits(host, timeoutMs);
    if (apps.length === 0)
      throw new UsageError(
        'found no app unit (Gunicorn, Uvicorn, Daphne, Hypercorn, Waitress) and no medic.yaml: name one, e.g. medic check myapp',
      );
    targets = apps.map((a) => ({ unit: a.id }));
  }
  // A name systemd does not know may be a container's or a compose service's (a Docker host).
  const containersNamed = new Map<string, { found: ContainerSummary; all: ContainerSummary[] }>();
  const asked = targets.filter((t) => t.container || units.length > 0);
  if (asked.length > 0) {
    const known = units.length > 0 ? await serviceUnits(host, timeoutMs) : null;
    const unknown = asked.filter((t) => t.container || !known?.some((u) => u.id === unitId(t.unit)));
    // the engine's list, asked once for all of them
    const docker = unknown[0] ? await findContainer(unknown[0].unit, timeoutMs) : null;
    for (const t of unknown) {
      const found = docker ? containerNamed(docker.all, t.unit) : undefined;
      if (found && docker) containersNamed.set(t.unit, { found, all: docker.all });
      else if (t.container)
        throw new UsageError(
          `medic.yaml names container ${t.unit}, which ${docker ? 'the Docker engine does not know' : 'no Docker engine here can show'}`,
        );
    }
  }
  const masker = new Masker();
  const progress = ctx.format === 'text' && process.stderr.isTTY === true;
  const selections = targets.map((t) => {
    const sel = selectChecks(
      {
        only: list(opts.only),
        skip: [...list(opts.skip), ...skipFromConfig, ...(t.skip ?? [])],
      },
      (containersNamed.has(t.unit) ? DOCKER_CHECKS : CHECKS) as readonly Check<unknown, never>[],
    );
    if (sel.unknown.length > 0)
      throw new UsageError(`no check named ${sel.unknown.join(', ')}: see medic check --list`);
    return sel.checks;
  });
  const total = selections.reduce((a, c) => a + c.length, 0);
  let done = 0;
  // Nginx's sites, read once for every container checked (each finds the site in front of it).
  const nginx = containersNamed.size > 0 ? nginxView(host, timeoutMs) : undefined;
  // Every service at once: the checks wait on processes and sockets, not on the CPU.
  const reports: CheckReport[] = await Promise.all(
    targets.map(async (t, i): Promise<CheckReport> => {
      const checks = selections[i] ?? [];
      const t0 = performance.now();
      const docker = containersNamed.get(t.unit);
      if (docker) {
        const context = new ContainerContext(host, docker.found, docker.all, timeoutMs, nginx);
        const results = await runChecks(checks as Check<unknown, ContainerContext>[], context, () => {
          done += 1;
          if (progress) process.stderr.write(`\r\x1b[2Kmedic check: ${done}/${total}`);
        });
        const c = await context.inspect();
        return {
          target: {
            service: docker.found.Labels[SERVICE] ?? nameOf(docker.found),
            unit: null,
            container: nameOf(docker.found),
            project: docker.found.Labels[PROJECT] ?? null,
            server: null,
            app: null,
            binds: c ? publishedOf(c) : [],
            user: c?.Config.User || 'root',
            workdir: null,
            venv: null,
            site: (await context.upstream())?.site.file ?? null,
            serverName: null,
            health: null,
            config: loaded?.path ?? null,
          },
          results,
          summary: summaryOf(results),
          ms: Math.round(performance.now() - t0),
        };
      }
      const service = await discoverService(host, t.unit, {
        timeoutMs,
        masker,
        ...(t.health !== undefined ? { health: t.health } : {}),
      });
      const context = new CheckContext(host, service, {
        timeoutMs,
        shared,
        ...(t.writable ? { writable: t.writable } : {}),
      });
      const results = await runChecks(checks, context, () => {
        done += 1;
        if (progress) process.stderr.write(`\r\x1b[2Kmedic check: ${done}/${total}`);
      });
      return {
        target: {
          service: service.name,
          unit: service.unit,
          container: null,
          project: null,
          server: service.server?.server ?? null,
          app: service.server?.module ?? null,
          binds: service.binds.map(formatBind),
          user: service.user,
          workdir: service.workdir,
          venv: service.venv,
          site: service.site?.file ?? null,
          serverName: service.serverName,
          health: service.health?.url ?? null,
          config: loaded?.path ?? null,
        },
        results,
        summary: summaryOf(results),
        ms: Math.round(performance.now() - t0),
      };
    }),
  );
  if (progress) process.stderr.write('\r\x1b[2K');
  // Masked before any renderer sees it; control characters made inert for terminals.
  const safe = reports.map((r) => neutraliseDeep(masker.deep(r)));
  const at = new Date().toISOString();
  Store.recordCheckRuns(
    storePathOf(loaded?.config ?? null),
    safe.map((r) => ({
      service: r.target.service,
      at,
      command: againCommand(r, opts),
      summary: r.summary,
      report: r,
    })),
  );
  if (ctx.format === 'json') ctx.out(jsonOf('check', 'services', safe));
  else if (ctx.format === 'markdown') ctx.out(safe.map(checksMarkdown).join('\n\n---\n\n'));
  else if (ctx.format === 'junit') ctx.out(checksJunit(safe));
  else if (ctx.format === 'tap') ctx.out(checksTap(safe));
  else ctx.out(safe.map((r) => checksText(r, ctx.style)).join('\n\n'));
  process.exitCode = safe.some((r) => r.summary.fail > 0) ? EXIT.problems : EXIT.ok;
}

/** The command that checks this target again, as it was checked. */
function againCommand(r: CheckReport, opts: CheckOptions): string {
  const words = [
    'medic check',
    r.target.unit?.replace(/\.service$/, '') ?? r.target.container ?? r.target.service,
  ];
  if (opts.config) words.push('-c', opts.config);
  if (opts.only) words.push('--only', opts.only);
  if (opts.skip) words.push('--skip', opts.skip);
  return words.join(' ');
}

function targetOf(s: MedicConfig['services'][string]): {
  unit: string;
  health?: Health | null;
  writable?: string[];
  skip?: string[];
} {
  return {
    unit: s.unit,
    ...(s.health !== undefined ? { health: s.health ? healthOf(s.health) : null } : {}),
    ...(s.writable ? { writable: s.writable } : {}),
    ...(s.skip ? { skip: s.skip } : {}),
  };
}

function publishedOf(c: Parameters<typeof publishedBinds>[0]): string[] {
  return publishedBinds(c).map(formatBind);
}
