import type { Service } from '../discover/service.ts';
import type { AppFacts } from './context.ts';
import { defineCheck, fail, pass, skip } from './types.ts';

export interface FlaskDebugFacts {
  service: Pick<Service, 'project' | 'env' | 'envSource' | 'envFiles' | 'unit'>;
  /** Flask's debug and testing flags as the app loads them; null when it could not be loaded. */
  flask: AppFacts['flask'] | null;
}

export const check = defineCheck<FlaskDebugFacts>({
  meta: {
    id: 'flask.debug_off',
    layer: 'app',
    title: "Flask's debug mode is off in production",
    docs: 'With debug on, Flask shows tracebacks and source code to visitors, and the Werkzeug debugger allows running code. Reads app.debug from the app as the unit loads it, and FLASK_DEBUG / FLASK_ENV in its environment.',
    risk: true,
    runsAppPython: true,
  },
  async gather(ctx) {
    const { service } = ctx;
    if (service.project?.framework !== 'flask') return { service, flask: null };
    return { service, flask: (await ctx.appFacts())?.flask ?? null };
  },
  judge({ service, flask }) {
    if (service.project?.framework !== 'flask') return skip('not a Flask project');
    const env = service.env;
    const flagged = ['FLASK_DEBUG', 'FLASK_ENV', 'DEBUG'].filter((k) => {
      const v = (env[k] ?? '').toLowerCase();
      return ['1', 'true', 'yes', 'on', 'development'].includes(v);
    });
    const fix = [
      ...flagged.map(
        (k) => `sed -i '/^${k}=/d' ${service.envSource[k] ?? service.envFiles[0]?.path ?? 'ENVFILE'}`,
      ),
      `systemctl restart ${service.unit}`,
    ];
    if (flask?.debug)
      return fail(
        'the app runs with debug on',
        flagged.map((k) => `${k}=${env[k]} (${service.envSource[k] ?? 'environment'})`),
        fix,
      );
    if (flagged.length > 0 && !flask)
      return fail(
        `${flagged.join(', ')} turn${flagged.length === 1 ? 's' : ''} debug on`,
        flagged.map((k) => `${k}=${env[k]}`),
        fix,
      );
    if (!flask) return skip('could not load the Flask app (see app.importable)');
    return pass('app.debug is False');
  },
});
