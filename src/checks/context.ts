// The facts checks share, each gathered at most once and only when a check asks: the listening sockets,
// `nginx -t`, the app imported the way the unit imports it, the health URL's answer, the database probe.
import { nginxConfigTest } from '../nginx/config-test.ts';
import { userInfo } from 'node:os';
import type { Host } from '../host/host.ts';
import { httpGet, type HttpResponse } from '../host/http.ts';
import { type Listener, listeners } from '../host/listeners.ts';
import { probePostgres } from '../host/postgres.ts';
import { type DiskUsage, diskUsage, type Memory, memory } from '../host/disk.ts';
import { resolveName, type Resolution, type ResolveFailure } from '../host/dns.ts';
import { type ConnectFailure, connectTcp, connectUnix } from '../host/net.ts';
import { probeRedis, type RedisFailure, type RedisInfo } from '../host/redis.ts';
import { type PeerCertificate, peerCertificate, type TlsFailure, trustedCAs } from '../host/tls.ts';
import type { Bind } from '../app/bind.ts';
import { heavy, patient } from './load.ts';
import { DB_URL_NAMES } from '../discover/project.ts';
import type { ProbeResult } from '../host/probe.ts';
import type { CommandOutput } from '../host/run.ts';
import { type ProcessInfo, processTree } from '../host/processes.ts';
import { showNumber } from '../systemd/show.ts';
import type { Service } from '../discover/service.ts';
import type { PostgresInfo, PgFailure } from '../host/postgres.ts';

export interface CheckOptions {
  /** Per check. */
  timeoutMs: number;
  /** Extra directories the app must be able to write (medic.yaml). */
  writable?: string[];
}

/** What importing the app told us: the object, Flask's and Django's settings as loaded. */
export interface AppFacts {
  ok: boolean;
  error?: string;
  traceback?: string;
  object?: string;
  python?: string;
  executable?: string;
  prefix?: string;
  flask?: { debug: boolean; testing: boolean };
  django?: {
    DEBUG: boolean;
    ALLOWED_HOSTS: string[];
    STATIC_ROOT: string;
    STATIC_URL: string;
    MEDIA_ROOT: string;
  };
}

// Imports the entrypoint as the app server would: cwd first on sys.path, the module, the attribute (a call
// with literal arguments like "create_app()" or a --factory is called), then reads what matters of it.
const IMPORT_APP = String.raw`
import ast, importlib, json, os, sys, traceback
target, factory = sys.argv[1], sys.argv[2] == "1"
sys.path.insert(0, os.getcwd())
out = {"python": "%d.%d.%d" % sys.version_info[:3], "executable": sys.executable, "prefix": sys.prefix}
obj = None
try:
    mod, _, attr = target.partition(":")
    obj = importlib.import_module(mod)
    expr = ast.parse(attr or "application", mode="eval").body
    call = isinstance(expr, ast.Call)
    node = expr.func if call else expr
    names = []
    while isinstance(node, ast.Attribute):
        names.insert(0, node.attr)
        node = node.value
    names.insert(0, node.id)
    for name in names:
        obj = getattr(obj, name)
    if call:
        obj = obj(*[ast.literal_eval(a) for a in expr.args], **{k.arg: ast.literal_eval(k.value) for k in expr.keywords})
    elif factory:
        obj = obj()
    out["ok"] = True
    out["object"] = type(obj).__module__ + "." + type(obj).__qualname__
except BaseException as e:
    out["ok"] = False
    out["error"] = traceback.format_exception_only(type(e), e)[-1].strip()
    out["traceback"] = traceback.format_exc()[-4000:]
try:
    if "flask" in sys.modules:
        import flask
        for o in (obj, getattr(obj, "app", None), getattr(obj, "wsgi_app", None)):
            if isinstance(o, flask.Flask):
                out["flask"] = {"debug": bool(o.debug), "testing": bool(o.testing)}
                break
    if "django" in sys.modules and os.environ.get("DJANGO_SETTINGS_MODULE"):
        from django.conf import settings
        if settings.configured:
            out["django"] = {k: (list(v) if isinstance(v, (list, tuple)) else v) for k, v in (
                ("DEBUG", bool(settings.DEBUG)), ("ALLOWED_HOSTS", settings.ALLOWED_HOSTS),
                ("STATIC_ROOT", str(settings.STATIC_ROOT or "")), ("STATIC_URL", str(settings.STATIC_URL or "")),
                ("MEDIA_ROOT", str(settings.MEDIA_ROOT or "")))}
except BaseException:
    pass
sys.stdout.write("\nMEDIC-JSON " + json.dumps(out, default=str) + "\n")
sys.stdout.flush()
os._exit(0)
`;

/** A health answer slower than this loads the app it is meant to watch. */
export const SLOW_HEALTH_MS = 500;

export class CheckContext {
  readonly host: Host;
  readonly service: Service;
  readonly options: CheckOptions;
  private memo = new Map<string, Promise<unknown>>();

  constructor(host: Host, service: Service, options: CheckOptions) {
    this.host = host;
    this.service = service;
    this.options = options;
  }

  get timeoutMs(): number {
    return this.options.timeoutMs;
  }

  private once<T>(key: string, f: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = f();
      this.memo.set(key, p);
    }
    return p;
  }

  /** Every listening socket with its owner; null when /proc cannot be read. */
  listeners(): Promise<Listener[] | null> {
    return this.once('listeners', async () => {
      const r = await listeners(this.host.procRoot, this.timeoutMs);
      return r.ok ? r.value : null;
    });
  }

  /** The unit's main process and its descendants (a pre-fork server's workers); empty when it is not running. */
  unitProcesses(): Promise<ProcessInfo[]> {
    return this.once('processes', () => processTree(this.host.procRoot, this.mainPid()));
  }

  mainPid(): number {
    return showNumber(this.service.show, 'MainPID') ?? 0;
  }

  /** The interpreter of ExecStart's script, from its "#!" line; undefined for a binary or a missing file. */
  execInterpreter(): Promise<string | undefined> {
    return this.once('shebang', async () => {
      const path = this.service.exec?.path;
      const head = path ? ((await this.host.readFile(path, 256)) ?? '') : '';
      return /^#!\s*(\S+)/.exec(head)?.[1];
    });
  }

  /** `nginx -t`: null when Nginx is not installed. */
  nginxTest(): Promise<{ ok: boolean; output: string } | null> {
    return this.once('nginx-t', async () => {
      const r = await nginxConfigTest(this.host, this.timeoutMs);
      return r && 'unreadable' in r ? null : r;
    });
  }

  /** Can medic run commands as the service's user? (It must be root, or be that user.) */
  canActAsUser(): boolean {
    return process.getuid?.() === 0 || userInfo().username === this.service.user;
  }

  /** The environment the unit's processes get: systemd's own variables plus Environment= and the env files. */
  unitEnvironment(): NodeJS.ProcessEnv {
    return {
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      LANG: 'C.UTF-8',
      HOME: '/nonexistent',
      ...this.service.env,
    };
  }

  /** Runs argv as the service's user and group, in its working directory, with its environment. */
  async asUser(
    argv: string[],
    opts: { timeoutMs?: number; cwd?: string | null; input?: string } = {},
  ): Promise<CommandOutput | null> {
    const { user, group } = this.service;
    const cwd = opts.cwd === undefined ? (this.service.workdir ?? '/') : (opts.cwd ?? '/');
    const asRoot = process.getuid?.() === 0 && user !== 'root';
    const [cmd, ...args] = asRoot ? ['runuser', '-u', user, '-g', group, '--', ...argv] : argv;
    const go = () =>
      this.host.run(cmd ?? '', args, {
        timeoutMs: opts.timeoutMs ?? this.timeoutMs,
        cwd: this.host.path(cwd),
        env: this.unitEnvironment(),
        ...(opts.input !== undefined ? { input: opts.input } : {}),
      });
    // The app's Python is the heavy part of a check run; a `test -w` is not.
    const r = /python[\d.]*$/.test(argv[0] ?? '') ? await heavy(go) : await go();
    return r.ok ? r.value : null;
  }

  /** The app imported by the unit's Python as the unit's user, with its environment and directory. */
  appFacts(): Promise<AppFacts | null> {
    return this.once('app', async () => {
      const { server, python } = this.service;
      if (!server?.module || !python) return null;
      const cwd = server.chdir ?? this.service.workdir;
      const r = await this.asUser([python, '-c', IMPORT_APP, server.module, server.factory ? '1' : '0'], {
        timeoutMs: Math.max(this.timeoutMs, 10_000),
        cwd,
      });
      if (!r) return null;
      const line = r.stdout.split('\n').find((l) => l.startsWith('MEDIC-JSON '));
      if (!line) {
        const last = `${r.stderr}`.trim().split('\n').pop() ?? '';
        return {
          ok: false,
          error: r.timedOut ? 'the import did not finish in time' : last || `exit ${r.code}`,
          traceback: r.stderr.slice(-4000),
        };
      }
      try {
        return JSON.parse(line.slice('MEDIC-JSON '.length)) as AppFacts;
      } catch {
        return { ok: false, error: 'unreadable answer from the import probe' };
      }
    });
  }

  /** The health URL's answer (through Nginx when there is a site). */
  health(): Promise<ProbeResult<HttpResponse> | null> {
    return this.once('health', async () => {
      const h = this.service.health;
      if (!h) return null;
      const ask = () =>
        patient(() =>
          httpGet(h.url, {
            timeoutMs: this.timeoutMs,
            ...(h.connectTo ? { connectTo: h.connectTo } : {}),
            ...(h.socketPath ? { socketPath: h.socketPath } : {}),
            rejectUnauthorized: false,
            maxBody: 2048,
          }),
        );
      // A slow first answer may not be the endpoint's doing (a worker's first request, medic's own probes
      // busy on the CPU): ask once more, and the faster answer counts.
      const first = await ask();
      if (!first.ok || first.value.ms <= SLOW_HEALTH_MS) return first;
      const second = await ask();
      return second.ok && second.value.ms < first.value.ms ? second : first;
    });
  }

  databaseUrl(): string | null {
    const name =
      this.service.project?.databaseUrlVar ?? DB_URL_NAMES.find((n) => this.service.env[n] !== undefined);
    const url = name ? this.service.env[name] : undefined;
    return url && /^postgres(?:ql)?(?:\+\w+)?:/.test(url)
      ? url.replace(/^postgres(?:ql)?\+\w+:/, 'postgresql:')
      : null;
  }

  /** What the resolver of this host answers for a name (the dns layer). */
  resolve(name: string): Promise<ProbeResult<Resolution, ResolveFailure>> {
    return this.once(`dns:${name}`, () => patient(() => resolveName(name, this.timeoutMs)));
  }

  /** The certificate Nginx on this host presents for a name (SNI) on a port. */
  certificate(name: string, port: number): Promise<ProbeResult<PeerCertificate, TlsFailure>> {
    return this.once(`tls:${name}:${port}`, () => {
      const ca = trustedCAs();
      return patient(() => peerCertificate('127.0.0.1', port, name, this.timeoutMs, ca ? { ca } : {}));
    });
  }

  /** A connection to a bind (Nginx's upstream, or the app's own): does anything accept there? */
  connect(target: Bind): Promise<ProbeResult<unknown, ConnectFailure>> {
    const key = target.kind === 'unix' ? target.path : `${target.host}:${target.port}`;
    return this.once<ProbeResult<unknown, ConnectFailure>>(`connect:${key}`, () =>
      patient<ProbeResult<unknown, ConnectFailure>>(() =>
        target.kind === 'unix'
          ? connectUnix(this.host.path(target.path), this.timeoutMs)
          : connectTcp(target.host === 'localhost' ? '127.0.0.1' : target.host, target.port, this.timeoutMs),
      ),
    );
  }

  redis(url: string): Promise<ProbeResult<RedisInfo, RedisFailure>> {
    return this.once(`redis:${url}`, () => patient(() => probeRedis(url, this.timeoutMs)));
  }

  /** Space and inodes of the file system holding a path (as the host sees it). */
  disk(path: string): Promise<ProbeResult<DiskUsage>> {
    return this.once(`disk:${path}`, () => diskUsage(this.host.path(path), this.timeoutMs));
  }

  memory(): Promise<ProbeResult<Memory>> {
    return this.once('memory', () => memory(this.host.procRoot, this.timeoutMs));
  }

  /** The version of the unit's Python ("3.11.2"), or why it does not run. */
  pythonVersion(): Promise<{ version: string } | { error: string } | null> {
    return this.once('python-version', async () => {
      const python = this.service.python;
      if (!python) return null;
      const r = await heavy(() =>
        this.host.run(python, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], {
          timeoutMs: this.timeoutMs,
        }),
      );
      if (r.ok && r.value.code === 0) return { version: r.value.stdout.trim() };
      return {
        error: r.ok ? (r.value.stderr.trim().split('\n').pop() ?? `exit ${r.value.code}`) : r.error.message,
      };
    });
  }

  postgres(): Promise<ProbeResult<PostgresInfo, PgFailure> | null> {
    return this.once('postgres', async () => {
      const url = this.databaseUrl();
      return url ? patient(() => probePostgres(url, this.timeoutMs)) : null;
    });
  }
}
