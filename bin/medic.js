#!/usr/bin/env node
// The sources are TypeScript with erasable syntax only: Node >= 22.18 runs them as they are.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(`medic: needs Node.js 22.18 or newer (this is ${process.version})\n`);
  process.exit(2);
}
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
