// READY=1 and WATCHDOG=1 for systemd (Type=notify, WatchdogSec=). Node has no unix datagram sockets, so
// systemd-notify sends them; it runs in medic's cgroup, which is why the printed unit says NotifyAccess=all.
import { execFile } from 'node:child_process';

export function notifySocketPresent(env: NodeJS.ProcessEnv = process.env): boolean {
  return !!env['NOTIFY_SOCKET'];
}

export function sdNotify(args: string[]): Promise<boolean> {
  if (!notifySocketPresent()) return Promise.resolve(false);
  return new Promise((resolve) => {
    execFile('systemd-notify', args, { timeout: 5000 }, (error) => resolve(!error));
  });
}

/** The watchdog interval systemd asked for (WATCHDOG_USEC), meant for this process, in ms; or null. */
export function watchdogMs(env: NodeJS.ProcessEnv = process.env): number | null {
  const usec = Number(env['WATCHDOG_USEC']);
  const pid = env['WATCHDOG_PID'];
  if (!Number.isFinite(usec) || usec <= 0) return null;
  if (pid && Number(pid) !== process.pid) return null;
  return Math.floor(usec / 1000);
}
