import { defineCheck, fail, pass, skip } from './types.ts';

export interface NginxTestFacts {
  /** `nginx -t`: whether it passed and what it printed; null when Nginx is not installed. */
  test: { ok: boolean; output: string } | null;
}

export const check = defineCheck<NginxTestFacts>({
  meta: {
    id: 'nginx.config_valid',
    layer: 'proxy',
    title: 'Nginx accepts its configuration (nginx -t)',
    docs: 'An invalid configuration keeps the running Nginx on the old one until the next restart or reboot, which then fails and takes every site down. Shows the file and line of the error.',
  },
  async gather(ctx) {
    return { test: await ctx.nginxTest() };
  },
  judge({ test: r }) {
    if (!r) return skip('nginx is not installed here');
    if (r.ok) return pass('nginx -t: syntax is ok, test is successful');
    const emerg = r.output.split('\n').filter((l) => /\[emerg\]|\[crit\]/.test(l));
    return fail(
      emerg[0]?.replace(/^nginx: /, '') ?? 'nginx -t fails',
      emerg.length ? emerg : r.output.split('\n').slice(-3),
      ['nginx -t    # fix the file and line it names', 'systemctl reload nginx'],
    );
  },
});
