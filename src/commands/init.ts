// medic init: discover the deployment and write a commented medic.yaml.
import { jsonOf } from '../report/json.ts';
import { formatBind } from '../app/bind.ts';
import { renderConfig } from '../config/medic-yaml.ts';
import { appUnits, discoverService, type Service } from '../discover/service.ts';
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
  if (names.length === 0) {
    const { apps } = await appUnits(host, 3000);
    if (apps.length === 0)
      throw new UsageError(
        'found no app unit (Gunicorn, Uvicorn, Daphne, Hypercorn, Waitress): name one, e.g. medic init myapp',
      );
    names = apps.map((a) => a.id);
  }
  const services: Service[] = [];
  for (const n of names) services.push(await discoverService(host, n, { timeoutMs: 3000, masker }));
  const yaml = masker.text(renderConfig(services, host.now()));
  if (ctx.format === 'json') {
    ctx.out(
      jsonOf('init', 'services', masker.deep(services.map(summaryOf)), {
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
    ctx.out(
      [
        ...lines,
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
