import { fail, pass, skip, type Check } from './types.ts';

export const check: Check = {
  meta: {
    id: 'nginx.config_valid',
    layer: 'proxy',
    title: 'Nginx accepts its configuration (nginx -t)',
    docs: 'An invalid configuration keeps the running Nginx on the old one until the next restart or reboot, which then fails and takes every site down. Shows the file and line of the error.',
  },
  async run(ctx) {
    const r = await ctx.nginxTest();
    if (!r) return skip('nginx is not installed here');
    if (r.ok) return pass('nginx -t: syntax is ok, test is successful');
    const emerg = r.output.split('\n').filter((l) => /\[emerg\]|\[crit\]/.test(l));
    return fail(
      emerg[0]?.replace(/^nginx: /, '') ?? 'nginx -t fails',
      emerg.length ? emerg : r.output.split('\n').slice(-3),
      ['nginx -t    # fix the file and line it names', 'systemctl reload nginx'],
    );
  },
};
