// What medic asks of a process it knows by pid: whether it still runs, and in which directory.
import { realpathSync } from 'node:fs';

/** Signal 0 checks without killing: EPERM means it runs as another user. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The working directory of a process (/proc/PID/cwd), or null when it is gone or not ours to read. */
export function processCwd(pid: number | string): string | null {
  try {
    return realpathSync(`/proc/${pid}/cwd`);
  } catch {
    return null;
  }
}
