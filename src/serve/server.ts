// Starts the dashboard on an address, for medic serve and for medic watch --http: refuses an address beyond
// loopback without a token, opens the store read-only (or shares the daemon's), asks systemd at most every
// few seconds, and says where it listens and who may read it.
import { hostname } from 'node:os';
import { UsageError } from '../errors.ts';
import { readTextSync } from '../host/files.ts';
import { serveRequests } from '../host/http-serve.ts';
import { systemctlPath, type UnitFacts, unitFacts } from '../host/systemctl.ts';
import { layoutOf, releaseRows } from '../deploy/layout.ts';
import type { StoreReader } from '../store/reader.ts';
import { Store } from '../store/store.ts';
import type { WatchedService } from '../watch/service.ts';
import { credentialsOf, isLoopback, parseListen } from './access.ts';
import { dashboard } from './app.ts';
import { loadAssets } from './assets.ts';
import { ChangeFeed } from './changes.ts';
import type { DashboardSource, LiveView } from './data.ts';

/** systemd is asked again after this long; pages and the change feed read the last answer meanwhile. */
const UNIT_FACTS_MS = 3000;

export interface DashboardOptions {
  /** HOST:PORT. */
  listen: string;
  /** The option that gave it, for error messages: --listen, --http. */
  flag: string;
  tokenFile?: string | undefined;
  services: WatchedService[];
  storePath: string;
  /** The daemon's own connection; medic serve opens the store read-only itself. */
  store?: Store;
  /** The shared store, when there is one: every host's rows are read there rather than in storePath. */
  shared?: StoreReader | undefined;
  live?: (service: string) => LiveView | null;
}

export interface Dashboard {
  url: string;
  /** Who may read it, in a few words, for the line that says it started. */
  access: string;
  close(): Promise<void>;
}

/** The address to listen on, refused beyond loopback without a token file: asked before anything else is read. */
export function listenAddress(listen: string, flag: string, tokenFile: string | undefined) {
  const address = parseListen(listen, flag);
  if (!isLoopback(address.host) && !tokenFile)
    throw new UsageError(
      `${flag} ${listen} is beyond loopback: give --token-file FILE (a token readers must send), or listen on 127.0.0.1`,
    );
  return address;
}

export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  const address = listenAddress(o.listen, o.flag, o.tokenFile);
  const loopback = isLoopback(address.host);
  let credentials = null;
  if (o.tokenFile) {
    const text = readTextSync(o.tokenFile);
    if (text === null) throw new UsageError(`--token-file ${o.tokenFile}: cannot read it`);
    credentials = credentialsOf(text, o.tokenFile);
  }

  const own = o.store || o.shared ? null : { store: Store.openReadOnly(o.storePath) };
  const store = (): StoreReader | null => {
    if (o.shared) return o.shared;
    if (o.store) return o.store;
    // medic watch may make the store after the dashboard started
    if (own && !own.store) {
      try {
        own.store = Store.openReadOnly(o.storePath);
      } catch {
        return null;
      }
    }
    return own?.store ?? null;
  };

  const systemctl = systemctlPath();
  let cached: { at: number; key: string; facts: Promise<(UnitFacts | null)[]> } | null = null;
  const facts = (units: readonly string[]) => {
    const key = units.join(' ');
    if (!cached || cached.key !== key || Date.now() - cached.at > UNIT_FACTS_MS)
      cached = { at: Date.now(), key, facts: unitFacts(systemctl, units) };
    return cached.facts;
  };

  const source: DashboardSource = {
    services: o.services,
    store,
    unitFacts: facts,
    releases: (root) => releaseRows(layoutOf(root)),
    ...(o.live ? { live: o.live } : {}),
    now: () => new Date(),
  };
  const allUnits = o.services.flatMap((s) => [s.unit, ...s.workers]);
  const feed = new ChangeFeed(async () => {
    const states = (await facts(allUnits)).map((f) => (f ? `${f.active}/${f.sub}` : '?'));
    const phases = o.services.map((s) => o.live?.(s.name)?.phase ?? '');
    return [(await store()?.changeMark()) ?? 'no store', states.join(','), phases.join(',')].join('|');
  });
  const handle = dashboard({ source, assets: loadAssets(), credentials, feed, hostname: hostname() });
  const server = await serveRequests(address.host, address.port, handle).catch((e: unknown) => {
    const code = (e as { code?: string }).code;
    throw new UsageError(
      `${o.flag} ${o.listen}: ${code === 'EADDRINUSE' ? 'the address is in use' : e instanceof Error ? e.message : String(e)}`,
    );
  });
  const shown = address.host.includes(':') ? `[${address.host}]` : address.host;
  return {
    url: `http://${shown}:${server.port}/`,
    access: loopback
      ? 'loopback only: anyone on this machine may read it'
      : `beyond loopback: every request needs the token of ${o.tokenFile}`,
    async close() {
      feed.stop();
      await server.close();
      own?.store?.close();
    },
  };
}
