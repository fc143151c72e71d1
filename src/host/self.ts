// medic's own program: the single executable (Node and medic in one file, built by scripts/build.ts) or
// Node running bin/medic.js from a checkout. Whatever runs medic again (a child, a unit file) asks here.
import { isSea } from 'node:sea';
import { fileURLToPath } from 'node:url';

/** true when this process is the single executable, whatever its name or place. */
export const singleExecutable = isSea();

/**
 * The arguments that come before medic's own when process.execPath runs medic again: none for the single
 * executable, bin/medic.js for Node in a checkout (whose place is known only there, hence the guard).
 */
export const MEDIC_ARGS: readonly string[] = singleExecutable
  ? []
  : [fileURLToPath(new URL('../../bin/medic.js', import.meta.url))];
