import { fail, pass, skip, type Check } from './types.ts';

export const check: Check = {
  meta: {
    id: 'flask.debug_off',
    layer: 'app',
    title: "Flask's debug mode is off in production",
    docs: 'With debug on, Flask shows tracebacks and source code to visitors, and the Werkzeug debugger allows running code. Reads app.debug from the app as the unit loads it, and FLASK_DEBUG / FLASK_ENV in its environment.',
  },
  async run(ctx) {
    const { service } = ctx;
    if (service.project?.framework !== 'flask') return skip('not a Flask project');
    const env = service.env;
    const flagged = ['FLASK_DEBUG', 'FLASK_ENV', 'DEBUG'].filter((k) => {
      const v = (env[k] ?? '').toLowerCase();
      return ['1', 'true', 'yes', 'on', 'development'].includes(v);
    });
    const facts = await ctx.appFacts();
    const fix = [
      ...flagged.map(
        (k) => `sed -i '/^${k}=/d' ${service.envSource[k] ?? service.envFiles[0]?.path ?? 'ENVFILE'}`,
      ),
      `systemctl restart ${service.unit}`,
    ];
    if (facts?.flask?.debug)
      return fail(
        'the app runs with debug on',
        flagged.map((k) => `${k}=${env[k]} (${service.envSource[k] ?? 'environment'})`),
        fix,
      );
    if (flagged.length > 0 && !facts?.flask)
      return fail(
        `${flagged.join(', ')} turn debug on`,
        flagged.map((k) => `${k}=${env[k]}`),
        fix,
      );
    if (!facts?.flask) return skip('could not load the Flask app (see app.importable)');
    return pass('app.debug is False');
  },
};
