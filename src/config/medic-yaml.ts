// medic.yaml: the deployment as `medic init` found it, readable and editable by a person. `medic check`
// (and later `watch` and `deploy`) read it: the unit to look at, the health URL and what it must answer,
// extra writable directories, checks to skip. Names of environment variables only, never their values.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Document, isMap, isScalar, LineCounter, parseDocument, type YAMLMap } from 'yaml';
import { hostname } from 'node:os';
import { z } from 'zod';
import { formatBind } from '../app/bind.ts';
import type { Health, Service } from '../discover/service.ts';
import { upstreamOf } from '../nginx/sites.ts';
import { UsageError } from '../errors.ts';
import { isSharedStoreUrl } from '../store/pg-url.ts';
import { HostsSchema } from '../fleet/host-entry.ts';

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

/** A container or compose service medic checks (the rest of its entry records what medic init found). */
const ContainerSchema = z.looseObject({
  container: z.string().regex(/^[\w][\w.-]*$/, 'a container name'),
  health: HealthSchema.nullable().optional(),
  skip: z.array(z.string()).optional(),
});

const ServiceSchema = z.looseObject({
  unit: z.string().regex(/^[\w@.:-]+$/, 'a systemd unit name'),
  health: HealthSchema.nullable().optional(),
  writable: z.array(z.string().startsWith('/')).optional(),
  skip: z.array(z.string()).optional(),
});

/** A duration: a number of seconds, or "500ms", "10s", "5m", "1h". Read as milliseconds. */
const Duration = z
  .union([
    z.number().nonnegative(),
    z.string().regex(/^\d+(?:\.\d+)?\s*(?:ms|s|m|h)$/, 'a duration like 10s, 5m or 500ms'),
  ])
  .transform((v) => durationMs(v));

export function durationMs(v: number | string): number {
  if (typeof v === 'number') return Math.round(v * 1000);
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/.exec(v);
  const n = Number(m?.[1] ?? 0);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m?.[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(n * unit);
}

// a list from the start, so that a mistake in a lone item is named by its key, not "Invalid input"
const oneOrMany = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (Array.isArray(v) || v === undefined ? v : [v]), z.array(item));

/** A URL, or ${NAME} for one kept in medic's environment (an EnvironmentFile= of medic's own unit). */
const SecretUrl = z.string().regex(/^(?:https?:\/\/\S+|\$\{\w+\})$/, 'an http(s) URL or ${ENV_VAR}');

const WatchSchema = z.object({
  /** How often each health URL is requested while all is well. */
  interval: Duration.default(10_000),
  /** A health request slower than this failed. */
  timeout: Duration.default(5_000),
  /** Failed health requests in a row that open an incident. */
  failures: z.number().int().min(1).max(100).default(3),
  /** Health must hold this long (and the unit stay up) before an incident is resolved. */
  resolveAfter: Duration.default(60_000),
  restart: z
    .object({
      /** false: observe and alert, never restart. */
      enabled: z.boolean().default(true),
      /** The first wait before medic restarts a unit; doubled after each restart, up to maxBackoff. */
      backoff: Duration.default(5_000),
      maxBackoff: Duration.default(300_000),
      /** Restarts within `window` (systemd's Restart= and medic's) after which medic stops restarting and calls a human. */
      limit: z.number().int().min(1).max(1000).default(5),
      window: Duration.default(600_000),
    })
    .prefault({}),
  /** medic's embedded database: incidents, their timelines, the alert outbox; or the shared store's URL. */
  store: z
    .string()
    .refine((v) => v.startsWith('/') || isSharedStoreUrl(v), {
      message: 'an absolute path (the SQLite store) or a postgresql:// URL (the shared store)',
    })
    .optional(),
});

const EmailSchema = z.object({
  /** smtp://user:password@host:587 (STARTTLS when offered) or smtps://...:465; ${NAME} works too. */
  smtp: z.string().regex(/^(?:smtps?:\/\/\S+|\$\{\w+\})$/, 'an smtp:// or smtps:// URL or ${ENV_VAR}'),
  from: z.string().min(3),
  to: oneOrMany(z.string().min(3)),
});

const NotifySchema = z.object({
  webhook: oneOrMany(SecretUrl).default([]),
  slack: oneOrMany(SecretUrl).default([]),
  email: oneOrMany(EmailSchema).default([]),
  /** A topic's URL (https://ntfy.sh/TOPIC), with an access token when the topic is protected. */
  ntfy: oneOrMany(
    z
      .union([SecretUrl, z.object({ url: SecretUrl, token: z.string().min(1).optional() })])
      .transform((n) => (typeof n === 'string' ? { url: n } : n)),
  ).optional(),
  discord: oneOrMany(SecretUrl).optional(),
  /** A Teams workflow's or incoming webhook's URL. */
  teams: oneOrMany(SecretUrl).optional(),
  /** An Events API v2 integration's routing key; url only for a proxy in between. */
  pagerduty: oneOrMany(z.object({ routingKey: z.string().min(1), url: SecretUrl.optional() })).optional(),
  /** A bot's token and the chat it writes to; api only for a Bot API server of your own. */
  telegram: oneOrMany(
    z.object({
      token: z.string().min(1),
      chat: z.union([z.string().min(1), z.number().int()]).transform(String),
      api: SecretUrl.optional(),
    }),
  ).optional(),
  /** Alertmanager's URL (http://127.0.0.1:9093): incidents become alerts it routes, groups and dedups. */
  alertmanager: oneOrMany(SecretUrl).optional(),
  /** A program given the alert as JSON on stdin and as MEDIC_* variables; run without a shell. */
  command: oneOrMany(
    z.object({
      run: z
        .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
        .refine((r) => Array.isArray(r) || !/\s/.test(r), {
          message: 'one program; give its arguments as a list: [/usr/local/bin/page, --urgent]',
        })
        .transform((r) => (Array.isArray(r) ? r : [r])),
      timeout: Duration.default(30_000),
    }),
  ).optional(),
  /** Give up on one message after it has failed this long (medic keeps retrying until then). */
  retryFor: Duration.default(86_400_000),
});

export type WatchConfig = z.infer<typeof WatchSchema>;
export type NotifyConfig = z.infer<typeof NotifySchema>;
export const WATCH_DEFAULTS: WatchConfig = WatchSchema.parse({});
export const NOTIFY_DEFAULTS: NotifyConfig = NotifySchema.parse({});

export const ConfigSchema = z
  .object({
    version: z.literal(1, { error: 'must be 1 (the only medic.yaml version there is)' }),
    services: z.record(z.string().regex(/^[\w@.-]+$/), ServiceSchema).default({}),
    containers: z.record(z.string().regex(/^[\w@.-]+$/), ContainerSchema).default({}),
    check: z
      .object({
        skip: z.array(z.string()).default([]),
        timeoutMs: z.number().int().positive().max(60_000).optional(),
      })
      .optional(),
    watch: WatchSchema.optional(),
    notify: NotifySchema.optional(),
    /**
     * This server's name in alerts and in the shared store (default: its hostname). Servers cloned from one
     * image share a hostname: each needs a name of its own.
     */
    host: z
      .string()
      .regex(/^\w[\w.-]*$/, 'a host name: letters, digits, ".", "_" and "-"')
      .optional(),
    /** The servers medic reaches over ssh (--hosts, --all-hosts, medic fleet install). */
    hosts: HostsSchema.optional(),
    /** The shared store every host's watch writes to: postgresql://user@host/db, or ${NAME}. */
    store: z
      .string()
      .refine(isSharedStoreUrl, {
        message: 'a postgresql:// URL, or ${MEDIC_STORE_URL} to keep its password out',
      })
      .optional(),
  })
  .refine(
    (c) => Object.keys(c.services).length + Object.keys(c.containers).length + (c.hosts?.length ?? 0) > 0,
    {
      message: 'at least one service (a systemd unit) or container, or hosts',
      path: ['services'],
    },
  );

export type MedicConfig = z.infer<typeof ConfigSchema>;
export type ServiceConfig = z.infer<typeof ServiceSchema>;
export type ContainerConfig = z.infer<typeof ContainerSchema>;

/** The health request of a service as medic.yaml states it. */
export function healthOf(h: {
  url: string;
  status: number;
  body?: string | undefined;
  connect?: string | undefined;
}): Health {
  const connect = h.connect ? /^\[?([^\]]+?)\]?:(\d+)$/.exec(h.connect) : null;
  return {
    url: h.url,
    status: h.status,
    ...(h.body !== undefined ? { body: h.body } : {}),
    ...(connect ? { connectTo: { host: connect[1] ?? '127.0.0.1', port: Number(connect[2]) } } : {}),
  };
}

export const DEFAULT_PATHS = ['medic.yaml', '/etc/medic/medic.yaml'];

/** The config file to use: the one given, else ./medic.yaml or /etc/medic/medic.yaml when present. */
export async function findConfig(
  path: string | undefined,
): Promise<{ config: MedicConfig; path: string } | null> {
  if (path) return { config: await loadConfig(path), path };
  const found = DEFAULT_PATHS.find((p) => existsSync(p));
  return found ? { config: await loadConfig(found), path: found } : null;
}

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
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
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
    const keys = (issue?.path ?? []).filter((k): k is string | number => typeof k !== 'symbol');
    const at = keys.join('.') || '(top level)';
    // The line of the value that is wrong, or of the nearest key above it that is there (a missing key).
    let line: number | undefined;
    for (let n = keys.length; n > 0 && line === undefined; n--) {
      const node = doc.getIn(keys.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) line = lines.linePos(node.range[0]).line;
    }
    throw new UsageError(`${path}${line ? `:${line}` : ''}: ${at}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** The plain data of one service, as medic.yaml records it. */
function serviceData(s: Service): Record<string, unknown> {
  const project = s.project;
  const site = s.site;
  const upstreams = site ? [...new Set(upstreamOf(site).map((u) => formatBind(u.target)))] : [];
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
          binds: s.binds.map(formatBind),
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

/** What medic init records of a container: the name medic checks it by, and what it found. */
export interface ContainerFound {
  key: string;
  container: string;
  project: string | null;
  workdir: string | null;
  image: string;
  publishes: string[];
  restart: string;
  healthcheck: string | null;
  /** What medic watch requests, as a service's health: through the site in front of it, else its published port. */
  health: { url: string; status: number; connect?: string } | null;
}

/** The commented medic.yaml for these services (and containers, on a Docker host). */
export function renderConfig(services: Service[], now: Date, containers: ContainerFound[] = []): string {
  const data = {
    version: 1,
    ...(services.length > 0 || containers.length === 0
      ? { services: Object.fromEntries(services.map((s) => [s.name, serviceData(s)])) }
      : {}),
    ...(containers.length > 0
      ? {
          containers: Object.fromEntries(
            containers.map(({ key, ...c }) => [key, { ...c, skip: [] as string[] }]),
          ),
        }
      : {}),
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
  const containersNode = doc.get('containers', true);
  if (isMap(containersNode) && isScalar(containersNode.items[0]?.key))
    containersNode.items[0].key.commentBefore =
      ' Containers and compose services (medic check NAME runs the docker. checks); "container" and "skip" change what medic does.';
  const check = doc.get('check', true);
  if (isMap(check)) {
    const skipPair = check.items[0];
    if (skipPair && isScalar(skipPair.key))
      skipPair.key.commentBefore =
        ' Check ids (or prefixes like "dns") that do not apply here, e.g. dns.resolves_here behind a CDN.';
  }
  return doc.toString({ lineWidth: 0 });
}

/** This server's name: medic.yaml's host:, else the hostname. */
export function hostNameOf(config: Pick<MedicConfig, 'host'> | null | undefined): string {
  return config?.host ?? hostname();
}
