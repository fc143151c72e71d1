// The virtualenv a server runs from, read from the path of its executable.
import { posix } from 'node:path';
import type { PythonEnv } from './server.ts';
import { resolve } from './command-context.ts';

const SYSTEM_BIN = new Set(['/bin', '/sbin', '/usr/bin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin']);

/** The virtualenv of an executable's path: /srv/app/venv/bin/gunicorn → /srv/app/venv. */
export function pythonEnvOf(executable: string, interpreter = false, cwd?: string): PythonEnv | undefined {
  if (!executable.includes('/')) return undefined;
  const path = resolve(executable, cwd);
  const binDir = posix.dirname(path);
  const env: PythonEnv = { binDir };
  // ~/.local/bin is pip --user, not a virtualenv.
  if (posix.basename(binDir) === 'bin' && !SYSTEM_BIN.has(binDir) && !binDir.endsWith('/.local/bin')) {
    env.venv = posix.dirname(binDir);
  }
  if (interpreter) env.interpreter = path;
  return env;
}
