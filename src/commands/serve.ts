// medic serve: the dashboard over medic's store and the services' live state, read-only, until SIGTERM.
import { hostname } from 'node:os';
import { pathExists } from '../host/files.ts';
import { localHost } from '../host/host.ts';
import { storePathOf } from '../store/store.ts';
import { sharedStoreOf } from '../store/pg-url.ts';
import { listenAddress, startDashboard } from '../serve/server.ts';
import type { WatchedService } from '../watch/service.ts';
import { UsageError } from '../errors.ts';
import type { Context } from '../cli/main.ts';
import { planOf } from './watch.ts';

export interface ServeOptions {
  listen: string;
  tokenFile?: string;
  config?: string;
  store?: string;
}

// medic.yaml's default places (config/medic-yaml.ts), looked at without loading its parser
const CONFIG_PLACES = ['medic.yaml', '/etc/medic/medic.yaml'];

export async function serve(opts: ServeOptions, ctx: Context): Promise<void> {
  if (ctx.format !== 'text' && ctx.format !== 'json')
    throw new UsageError(`--format ${ctx.format}: medic serve says where it listens in text or json`);
  // a bad address or a missing token is a one-line error before medic.yaml or systemd is asked anything
  listenAddress(opts.listen, '--listen', opts.tokenFile);
  const { services, store, sharedStore, host } = await servicesOf(opts);
  const shared = await openShared(sharedStore, opts.store, host);
  const dashboard = await startDashboard({
    listen: opts.listen,
    flag: '--listen',
    tokenFile: opts.tokenFile,
    services,
    storePath: store,
    shared: shared?.reader,
  }).catch(async (error: unknown) => {
    await shared?.store.close();
    throw error;
  });
  const shown = shared?.store.shown ?? store;
  ctx.out(
    ctx.format === 'json'
      ? JSON.stringify({ event: 'serving', url: dashboard.url, access: dashboard.access, store: shown })
      : `medic serve: ${dashboard.url} (${dashboard.access}; store ${shown})`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await dashboard.close();
  await shared?.store.close();
}

/** The shared store's reader, when medic.yaml, --store or MEDIC_STORE_URL names one (and --store is no file). */
async function openShared(configured: string | null, store: string | undefined, host: string) {
  const { isSharedStoreUrl, resolveStoreUrl } = await import('../store/pg-url.ts');
  const url = store && !isSharedStoreUrl(store) ? null : resolveStoreUrl(configured);
  if (!url) return null;
  const [{ SharedStore }, { SharedStoreReader }] = await Promise.all([
    import('../store/pg-store.ts'),
    import('../store/pg-reader.ts'),
  ]);
  const shared = new SharedStore(url, { application: 'medic serve', migrate: false });
  return { store: shared, reader: new SharedStoreReader(shared, host) };
}

/** The services of medic.yaml (through the same validated plan as medic watch), else every app unit found. */
async function servicesOf(
  opts: ServeOptions,
): Promise<{ services: WatchedService[]; store: string; sharedStore: string | null; host: string }> {
  if (opts.config || CONFIG_PLACES.some(pathExists)) {
    const plan = await planOf({
      ...(opts.config ? { config: opts.config } : {}),
      ...(opts.store ? { store: opts.store } : {}),
    });
    return { services: plan.services, store: plan.store, sharedStore: plan.sharedStore, host: plan.host };
  }
  const { appUnits } = await import('../discover/service.ts');
  const { apps } = await appUnits(localHost(), 5000);
  return {
    services: apps.map((a) => ({
      name: a.id.replace(/\.service$/, ''),
      unit: a.id,
      workers: [],
      health: null,
    })),
    store: storePathOf(null, opts.store),
    sharedStore: sharedStoreOf(null, opts.store),
    host: hostname(),
  };
}
