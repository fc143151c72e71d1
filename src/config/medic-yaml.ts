// medic.yaml: the deployment as `medic init` found it, readable and editable by a person. `medic check`
// (and later `watch` and `deploy`) read it: the unit to look at, the health URL and what it must answer,
// extra writable directories, checks to skip. Names of environment variables only, never their values.
import { readFile } from 'node:fs/promises';
import { Document, isMap, isScalar, parseDocument, type YAMLMap } from 'yaml';
import { z } from 'zod';
import { bindText } from '../causes/upstream.ts';
import type { Service } from '../discover/service.ts';
import { upstreamOf } from '../nginx/sites.ts';
import { UsageError } from '../cli/exit.ts';

const HealthSchema = z.object({
  url: z.url({ protocol: /^https?$/ }),
  status: z.number().int().min(100).max(599).default(200),
  body: z.string().optional(),
  /** Send the request to this host:port (Nginx on this server) keeping the URL's Host and SNI. */
  connect: z
    .string()
    .regex(/^[\w.:[\]-]+:\d+$/, 'host:port')
    .optional(),
});

const ServiceSchema = z.looseObject({
  unit: z.string().regex(/^[\w@.:-]+$/, 'a systemd unit name'),
  health: HealthSchema.nullable().optional(),
  writable: z.array(z.string().startsWith('/')).optional(),
  skip: z.array(z.string()).optional(),
});

export const ConfigSchema = z.object({
  version: z.literal(1),
  services: z.record(z.string().regex(/^[\w@.-]+$/), ServiceSchema).refine((s) => Object.keys(s).length > 0, {
    message: 'at least one service',
  }),
  check: z
    .object({
      skip: z.array(z.string()).default([]),
      timeoutMs: z.number().int().positive().max(60_000).optional(),
    })
    .optional(),
});

export type MedicConfig = z.infer<typeof ConfigSchema>;
export type ServiceConfig = z.infer<typeof ServiceSchema>;

export const DEFAULT_PATHS = ['medic.yaml', '/etc/medic/medic.yaml'];

/** Reads and validates medic.yaml; every problem is one line naming the file, the key and what is wrong. */
export async function loadConfig(path: string): Promise<MedicConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : (code ?? 'error')}`);
  }
  return parseConfig(text, path);
}

export function parseConfig(text: string, path = 'medic.yaml'): MedicConfig {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = e?.linePos?.[0]?.line;
    throw new UsageError(
      `${path}${line ? `:${line}` : ''}: not valid YAML (${e?.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? 'parse error'})`,
    );
  }
  const parsed = ConfigSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue?.path.join('.') || '(top level)';
    throw new UsageError(`${path}: ${at}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** The plain data of one service, as medic.yaml records it. */
function serviceData(s: Service): Record<string, unknown> {
  const project = s.project;
  const site = s.site;
  const upstreams = site ? [...new Set(upstreamOf(site).map((u) => bindText(u.target)))] : [];
  const statics = site
    ? Object.fromEntries(
        site.locations
          .filter((l) => (l.alias || l.root) && !l.proxyPass && l.path !== '/')
          .map((l) => [l.path, l.alias ?? `${(l.root ?? '').replace(/\/$/, '')}${l.path}`]),
      )
    : {};
  return {
    unit: s.unit,
    server: s.server
      ? {
          kind: s.server.server,
          app: s.server.module ?? null,
          binds: s.binds.map(bindText),
          workers: s.server.workers ?? null,
          timeout: s.server.timeout ?? null,
          workerClass: s.server.workerClass ?? null,
          config: s.server.configFile ?? null,
        }
      : null,
    user: s.user,
    group: s.group,
    workdir: s.workdir,
    venv: s.venv,
    python: s.python,
    envFiles: s.envFiles.map((f) => (f.optional ? `-${f.path}` : f.path)),
    env: Object.keys(s.env).sort(),
    project: project
      ? {
          framework: project.framework,
          ...(project.settingsModule ? { settings: project.settingsModule } : {}),
          requirements: project.requirementFiles,
          requiresPython: project.python?.spec ?? null,
          migrations: project.migrations ? `${project.migrations.tool} (${project.migrations.dir})` : null,
          databaseUrl: project.databaseUrlVar ?? null,
          redisUrl: project.redisUrlVar ?? null,
        }
      : null,
    nginx: site
      ? {
          site: site.file,
          serverNames: site.serverNames,
          listen: site.listen.map(
            (l) => `${l.address ? `${l.address}:` : ''}${l.port ?? l.unix ?? ''}${l.ssl ? ' ssl' : ''}`,
          ),
          upstream: upstreams,
          certificate: site.certificate ?? null,
          certificateKey: site.certificateKey ?? null,
          static: statics,
        }
      : null,
    health: s.health
      ? {
          url: s.health.url,
          status: s.health.status,
          ...(s.health.connectTo ? { connect: `${s.health.connectTo.host}:${s.health.connectTo.port}` } : {}),
        }
      : null,
    workers: s.workers.map((w) => w.id),
    writable: project?.writable ?? [],
  };
}

const COMMENTS: Record<string, string> = {
  server: ' The app server, from ExecStart= (and its config file).',
  envFiles: ' EnvironmentFile= of the unit ("-" = optional).',
  env: ' Names set by Environment= and the env files. Values stay in those files.',
  project: ' Found in the project directory.',
  nginx: ' The Nginx server block whose proxy_pass reaches the app.',
  health: ' medic check and medic watch request this URL; set body: to require a text in the answer.',
  workers: ' Task worker units of this app.',
  writable: ' Directories the app must be able to write, tested as its user. Add your own.',
};

/** The commented medic.yaml for these services. */
export function renderConfig(services: Service[], now: Date): string {
  const data = {
    version: 1,
    services: Object.fromEntries(services.map((s) => [s.name, serviceData(s)])),
    check: { skip: [] as string[] },
  };
  const doc = new Document(data);
  doc.commentBefore =
    ` medic.yaml: the deployment as medic init found it on ${now.toISOString().slice(0, 10)}.\n` +
    ' medic check, watch and deploy read it; correct what is wrong, add what is missing.\n' +
    ' Only "unit", "health", "writable" and "skip" change what medic does; the rest records what it found.';
  const servicesNode = doc.get('services', true);
  if (isMap(servicesNode))
    for (const pair of servicesNode.items) {
      const svc = pair.value;
      if (!isMap(svc)) continue;
      for (const item of (svc as YAMLMap).items) {
        const key = isScalar(item.key) ? String(item.key.value) : '';
        const comment = COMMENTS[key];
        if (comment && isScalar(item.key)) item.key.commentBefore = comment;
      }
    }
  const check = doc.get('check', true);
  if (isMap(check)) {
    const skipPair = check.items[0];
    if (skipPair && isScalar(skipPair.key))
      skipPair.key.commentBefore =
        ' Check ids (or prefixes like "dns") that do not apply here, e.g. dns.resolves_here behind a CDN.';
  }
  return doc.toString({ lineWidth: 0 });
}
