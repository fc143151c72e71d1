// medic init: discover the deployment and write a commented medic.yaml.
import { jsonOf } from '../report/json.ts';
import { formatBind } from '../app/bind.ts';
import { type ContainerFound, renderConfig } from '../config/medic-yaml.ts';
import { nameOf, PROJECT, publishedBinds, SERVICE, siteFor } from '../checks/docker/context.ts';
import { containers as listContainers, type ContainerSummary, inspectContainer } from '../host/docker.ts';
import { findContainer } from '../diagnose/container.ts';
import { appUnits, discoverService, findHealth, type Service } from '../discover/service.ts';
import { nginxView } from '../discover/units.ts';
import type { Host } from '../host/host.ts';
import { pathExists, writeAtomic } from '../host/files.ts';
import { localHost } from '../host/host.ts';
import { Masker } from '../report/mask.ts';
import { UsageError } from '../errors.ts';
import type { Context } from '../cli/main.ts';

export interface InitOptions {
  stdout?: boolean;
  config: string;
  force?: boolean;
}

export async function init(units: string[], opts: InitOptions, ctx: Context): Promise<void> {
  const host = localHost();
  const masker = new Masker();
  if (!opts.stdout && pathExists(opts.config) && !opts.force)
    throw new UsageError(
      `${opts.config} exists: use --force to replace it, or --stdout to print the new one`,
    );
  let names = units;
  let found: ContainerSummary[] = [];
  if (names.length === 0) {
    const [{ apps }, docker] = await Promise.all([appUnits(host, 3000), listContainers(3000)]);
    // On a Docker host: every container of a compose project, and every other one that publishes a port.
    if (docker.ok)
      found = docker.value.filter(
        (c) =>
          c.Labels['com.docker.compose.oneoff'] !== 'True' &&
          (c.Labels[PROJECT] !== undefined || (c.Ports ?? []).some((p) => p.PublicPort)),
      );
    if (apps.length === 0 && found.length === 0)
      throw new UsageError(
        'found no app unit (Gunicorn, Uvicorn, Daphne, Hypercorn, Waitress) and no container: name one, e.g. medic init myapp',
      );
    names = apps.map((a) => a.id);
  } else {
    // A name systemd does not know may be a container's or a compose service's.
    const { all } = await appUnits(host, 3000);
    const rest: string[] = [];
    for (const n of names) {
      if (all.some((u) => u.id === n || u.id === `${n}.service`)) {
        rest.push(n);
        continue;
      }
      const docker = await findContainer(n, 3000);
      if (docker?.found) found.push(docker.found);
      else rest.push(n);
    }
    names = rest;
  }
  const services: Service[] = [];
  for (const n of names) services.push(await discoverService(host, n, { timeoutMs: 3000, masker }));
  const containers = await containersFound(host, found);
  const yaml = masker.text(renderConfig(services, host.now(), containers));
  if (ctx.format === 'json') {
    ctx.out(
      jsonOf('init', 'services', masker.deep(services.map(summaryOf)), {
        containers,
        written: opts.stdout ? null : opts.config,
      }),
    );
  } else if (opts.stdout) {
    ctx.out(yaml);
    return;
  }
  if (!opts.stdout) await writeAtomic(opts.config, yaml);
  if (ctx.format !== 'json') {
    const lines = services.flatMap((s) => {
      const x = summaryOf(s);
      return [
        ctx.style('bold', `${s.name}`) + `  ${x.server ?? 'unknown server'} ${x.app ?? ''}`.trimEnd(),
        `  binds       ${x.binds.join(', ') || 'none found'}`,
        `  runs as     ${s.user}:${s.group} in ${s.workdir ?? '/'}${s.venv ? `, venv ${s.venv}` : ''}`,
        `  project     ${x.framework}${s.project?.migrations ? `, ${s.project.migrations.tool} migrations` : ''}${s.project?.python ? `, Python ${s.project.python.spec}` : ''}`,
        `  env         ${s.envFiles.map((f) => f.path).join(', ') || 'no env file'} (${Object.keys(s.env).length} names)`,
        `  nginx       ${s.site ? `${s.site.file}: ${s.site.serverNames.join(' ')}${s.site.certificate ? `, cert ${s.site.certificate}` : ''}` : 'no site in front'}`,
        `  health      ${s.health?.url ?? 'none found'}`,
        ...(s.workers.length ? [`  workers     ${s.workers.map((w) => w.id).join(', ')}`] : []),
      ];
    });
    const docker = containers.map(
      (c) =>
        `${ctx.style('bold', c.key)}  container ${c.container}${c.project ? ` (compose ${c.project}, ${c.workdir ?? '?'})` : ''}\n` +
        `  image       ${c.image}\n  publishes   ${c.publishes.join(', ') || 'no port'}\n  restart     ${c.restart}\n  healthcheck ${c.healthcheck ?? 'none'}\n  health      ${c.health?.url ?? 'none found'}`,
    );
    ctx.out(
      [
        ...lines,
        ...docker,
        '',
        `wrote ${opts.config}; next: medic check${opts.config === 'medic.yaml' ? '' : ` -c ${opts.config}`}`,
      ].join('\n'),
    );
  }
}

function summaryOf(s: Service) {
  return {
    service: s.name,
    unit: s.unit,
    server: s.server?.server ?? null,
    app: s.server?.module ?? null,
    binds: s.binds.map(formatBind),
    framework: s.project?.framework ?? 'unknown',
    site: s.site?.file ?? null,
    serverNames: s.site?.serverNames ?? [],
    certificate: s.site?.certificate ?? null,
    envFiles: s.envFiles.map((f) => f.path),
    health: s.health?.url ?? null,
    workers: s.workers.map((w) => w.id),
  };
}

/** What medic.yaml records of each container, keyed by its compose service (or its name). */
async function containersFound(host: Host, found: ContainerSummary[]): Promise<ContainerFound[]> {
  const out: ContainerFound[] = [];
  const nginx = found.length > 0 ? await nginxView(host, 3000) : null;
  for (const c of found) {
    const r = await inspectContainer(c.Id, 3000);
    if (!r.ok) continue;
    const i = r.value;
    const service = c.Labels[SERVICE];
    const key = service && !out.some((o) => o.key === service) ? service : nameOf(c);
    const test = i.Config.Healthcheck?.Test ?? [];
    // A published app answers health through the Nginx site in front of it, else on its published port.
    const published = publishedBinds(i);
    const site =
      published.length > 0 ? (siteFor(nginx?.sites ?? [], published, c.Labels, c.Names) ?? null) : null;
    const health =
      published.length > 0 ? await findHealth(site, site?.serverNames[0] ?? null, published, 3000) : null;
    out.push({
      key,
      container: nameOf(c),
      project: c.Labels[PROJECT] ?? null,
      workdir: c.Labels['com.docker.compose.project.working_dir'] ?? null,
      image: c.Image,
      publishes: publishedBinds(i).map(formatBind),
      restart: i.HostConfig.RestartPolicy?.Name || 'no',
      healthcheck: test.length > 0 && test[0] !== 'NONE' ? test.slice(1).join(' ') : null,
      health: health
        ? {
            url: health.url,
            status: health.status,
            ...(health.connectTo ? { connect: `${health.connectTo.host}:${health.connectTo.port}` } : {}),
          }
        : null,
    });
  }
  return out;
}
