// `nginx -t`, once, as both diagnose and check run it. Run by a user other than root (medic watch's own
// user), Nginx cannot open its keys and logs: that says nothing about the config, so it is no answer.
import type { Host } from '../host/host.ts';

export type NginxTest = { ok: boolean; output: string } | { unreadable: string };

/** null: Nginx is not installed. */
export async function nginxConfigTest(host: Host, timeoutMs: number): Promise<NginxTest | null> {
  const r = await host.run('nginx', ['-t'], { timeoutMs });
  if (!r.ok) return null;
  const output = `${r.value.stderr}${r.value.stdout}`.trim();
  if (r.value.code !== 0 && process.getuid?.() !== 0 && /Permission denied/.test(output))
    return { unreadable: 'nginx -t needs root to read the keys and logs it names' };
  return { ok: r.value.code === 0, output };
}
