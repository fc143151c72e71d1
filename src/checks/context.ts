// The facts checks share, each gathered at most once and only when a check asks: the listening sockets,
// `nginx -t`, the app imported the way the unit imports it, the health URL's answer, the database probe.
import { Memo } from './memo.ts';
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
import { APP_PROBE, type AppFacts, type AppProbe, appProbeOf, type AppProbeRequest } from './app-probe.ts';
import type { Output } from './types.ts';
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
  /** The host-wide facts (sockets, Nginx, the database's answer) shared by the contexts of one command. */
  shared?: Memo;
}

export type { AppFacts } from './app-probe.ts';

/** A health answer slower than this loads the app it is meant to watch. */
export const SLOW_HEALTH_MS = 500;

export class CheckContext {
  readonly host: Host;
  readonly service: Service;
  readonly options: CheckOptions;
  private memo = new Memo();
  private readonly hostFacts: Memo;

  constructor(host: Host, service: Service, options: CheckOptions) {
    this.host = host;
    this.service = service;
    this.options = options;
    this.hostFacts = options.shared ?? new Memo();
  }

  get timeoutMs(): number {
    return this.options.timeoutMs;
  }

  private once<T>(key: string, read: () => Promise<T>): Promise<T> {
    return this.memo.once(key, read);
  }

  /** A fact of the host, not of this service: asked once for every service the command checks. */
  private hostOnce<T>(key: string, read: () => Promise<T>): Promise<T> {
    return this.hostFacts.once(key, read);
  }

  /** Every listening socket with its owner; null when /proc cannot be read. */
  listeners(): Promise<Listener[] | null> {
    return this.hostOnce('listeners', async () => {
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
    return this.hostOnce('nginx-t', async () => {
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
  async appFacts(): Promise<AppFacts | null> {
    return (await this.appProbe())?.app ?? null;
  }

  /**
   * The unit's Python asked everything the checks ask it, in one process: the import, the requirements,
   * pip's check, Django's check --deploy and showmigrations (only where they would run as the checks run
   * them: as the unit's user, in the project's directory). null: no module or interpreter to ask.
   */
  appProbe(): Promise<AppProbe | null> {
    return this.once('app-probe', async () => {
      const { server, python, project } = this.service;
      if (!server?.module || !python) return null;
      const cwd = server.chdir ?? this.service.workdir;
      const django =
        project?.framework === 'django' &&
        project.root === cwd &&
        this.canActAsUser() &&
        Boolean(await this.host.stat(`${project.root}/manage.py`));
      const request: AppProbeRequest = {
        module: server.module,
        factory: server.factory === true,
        requirements: (project?.requirements ?? []).map((q) => q.line),
        pipCheck: (project?.requirements.length ?? 0) > 0,
        djangoCheck: django,
        showMigrations: django && project?.migrations?.tool === 'django',
      };
      const r = await this.asUser([python, '-c', APP_PROBE, JSON.stringify(request)], {
        timeoutMs: Math.max(this.timeoutMs, 20_000),
        cwd,
      });
      return r ? appProbeOf(r) : null;
    });
  }

  /** One part of the app probe's answer; null when the probe did not do it (its check then runs it alone). */
  async appProbePart(
    part: 'requirements' | 'pipCheck' | 'djangoCheck' | 'showMigrations',
  ): Promise<Output | null> {
    return (await this.appProbe())?.[part] ?? null;
  }

  /** The health URL's answer (through Nginx when there is a site). */
  health(): Promise<ProbeResult<HttpResponse> | null> {
    return this.once('health', async () => {
      const h = this.service.health;
      if (!h) return null;
      const ask = () =>
        patient(
          (timeoutMs) =>
            httpGet(h.url, {
              timeoutMs,
              ...(h.connectTo ? { connectTo: h.connectTo } : {}),
              ...(h.socketPath ? { socketPath: h.socketPath } : {}),
              rejectUnauthorized: false,
              maxBody: 2048,
            }),
          this.timeoutMs,
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
    return this.hostOnce(`dns:${name}`, () => patient((t) => resolveName(name, t), this.timeoutMs));
  }

  /** The certificate Nginx on this host presents for a name (SNI) on a port. */
  certificate(name: string, port: number): Promise<ProbeResult<PeerCertificate, TlsFailure>> {
    return this.hostOnce(`tls:${name}:${port}`, () => {
      const ca = trustedCAs();
      return patient((t) => peerCertificate('127.0.0.1', port, name, t, ca ? { ca } : {}), this.timeoutMs);
    });
  }

  /** A connection to a bind (Nginx's upstream, or the app's own): does anything accept there? */
  connect(target: Bind): Promise<ProbeResult<unknown, ConnectFailure>> {
    const key = target.kind === 'unix' ? target.path : `${target.host}:${target.port}`;
    return this.hostOnce<ProbeResult<unknown, ConnectFailure>>(`connect:${key}`, () =>
      patient<ProbeResult<unknown, ConnectFailure>>(
        (t) =>
          target.kind === 'unix'
            ? connectUnix(this.host.path(target.path), t)
            : connectTcp(target.host === 'localhost' ? '127.0.0.1' : target.host, target.port, t),
        this.timeoutMs,
      ),
    );
  }

  /** May Nginx's user connect to a unix socket (write on it)? null when medic cannot ask as that user. */
  nginxMayConnect(path: string): Promise<boolean | null> {
    const user = this.service.nginx?.user ?? 'www-data';
    return this.hostOnce(`may-connect:${user}:${path}`, async () => {
      const r = await this.host.run('runuser', ['-u', user, '--', 'test', '-w', path], {
        timeoutMs: this.timeoutMs,
      });
      return r.ok ? r.value.code === 0 : null;
    });
  }

  redis(url: string): Promise<ProbeResult<RedisInfo, RedisFailure>> {
    return this.hostOnce(`redis:${url}`, () => patient((t) => probeRedis(url, t), this.timeoutMs));
  }

  /** Space and inodes of the file system holding a path (as the host sees it). */
  disk(path: string): Promise<ProbeResult<DiskUsage>> {
    return this.hostOnce(`disk:${path}`, () => diskUsage(this.host.path(path), this.timeoutMs));
  }

  memory(): Promise<ProbeResult<Memory>> {
    return this.hostOnce('memory', () => memory(this.host.procRoot, this.timeoutMs));
  }

  /** The version of the unit's Python ("3.11.2"), or why it does not run. */
  pythonVersion(): Promise<{ version: string } | { error: string } | null> {
    return this.once('python-version', async () => {
      const python = this.service.python;
      if (!python) return null;
      // medic check asks the app's Python anyway: its answer says the version too.
      const probed = this.memo.has('app-probe') ? (await this.appProbe())?.app.python : undefined;
      if (probed) return { version: probed };
      const r = await heavy(() =>
        this.host.run(python, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], {
          timeoutMs: this.timeoutMs,
        }),
      );
      if (r.ok && r.value.code === 0) return { version: r.value.stdout.trim() };
      return {
        error: r.ok ? r.value.stderr.trim().split('\n').pop() || `exit ${r.value.code}` : r.error.message,
      };
    });
  }

  postgres(): Promise<ProbeResult<PostgresInfo, PgFailure> | null> {
    return this.once('postgres', async () => {
      const url = this.databaseUrl();
      return url ? patient((t) => probePostgres(url, t), this.timeoutMs) : null;
    });
  }
}
