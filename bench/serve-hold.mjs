// A process that holds medic's store as medic watch does (the daemon's modules loaded from the compile
// cache, the store open, NODE_OPTIONS as its unit sets them), with the dashboard on or off: bench/serve.ts
// starts it twice and compares. JavaScript, so that nothing here loads the TypeScript parser.
//   node bench/serve-hold.mjs store|dashboard STORE CACHE_DIR
import module from 'node:module';
import { setInterval } from 'node:timers';

const [mode, storePath, cache] = process.argv.slice(2);
module.enableCompileCache?.(cache);
await import('../src/watch/daemon.ts');
const { Store } = await import('../src/store/store.ts');
const store = Store.open(storePath, { create: false });
if (mode === 'dashboard') {
  const { startDashboard } = await import('../src/serve/server.ts');
  const health = (url) => ({ url, status: 200 });
  const d = await startDashboard({
    listen: '127.0.0.1:0',
    flag: '--http',
    services: [
      {
        name: 'flaskapp',
        unit: 'flaskapp.service',
        workers: [],
        health: health('http://flask.medic.test/health'),
      },
      {
        name: 'fastapi',
        unit: 'fastapi.service',
        workers: [],
        health: health('https://fastapi.medic.test/health'),
      },
      { name: 'djangoapp', unit: 'djangoapp.service', workers: [], health: null },
    ],
    storePath: store.path,
    store,
  });
  process.stdout.write(`${d.url}\n`);
} else process.stdout.write('holding\n');
// written now: the process ends by SIGTERM, which skips the flush Node does at a normal exit
module.flushCompileCache?.();
setInterval(() => {}, 60_000);
