// The single executable's entry point (scripts/build.ts bundles it as CommonJS, which has no top-level
// await): bin/medic.js without the Node version check and the compile cache, which only a checkout needs.
import { main } from './main.ts';

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  setTimeout(() => process.exit(), 1000).unref();
});
