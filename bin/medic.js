#!/usr/bin/env node
// The sources are TypeScript with erasable syntax only: Node >= 22.18 runs them as they are.
import module from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { setTimeout } from 'node:timers';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(`medic: needs Node.js 22.18 or newer (this is ${process.version})\n`);
  process.exit(2);
}
// Node keeps the type-stripped and compiled code here, keyed by each file's content: a later run (and the
// long-running daemon) skips the TypeScript parser, which saves about 30 MB of memory and 0.2 s of start.
// The directory belongs to the user running medic, never a shared one like /tmp.
module.enableCompileCache?.(
  process.env.NODE_COMPILE_CACHE ??
    (process.getuid?.() === 0 ? '/var/cache/medic/compile' : join(homedir(), '.cache', 'medic', 'compile')),
);
// A reader that stops early (`medic ... | head`) closes the pipe: that ends medic quietly, not with a stack trace.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
// The answer is out (a daemon returns only when it stops): whatever a probe that gave up may still hold open
// (a socket, a timer of a library) must not keep the command running past its end.
setTimeout(() => process.exit(), 1000).unref();
