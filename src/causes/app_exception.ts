import { framesOf } from './python.ts';
import { type Cause, fromSignal, unitName } from './types.ts';

// Frames that only appear while a request is being handled.
const REQUEST_FRAMES =
  /(?:flask\/app\.py|django\/core\/handlers\/|starlette\/|fastapi\/routing\.py|gunicorn\/workers\/\w+\.py|uvicorn\/protocols\/http\/|werkzeug\/serving\.py|django\/views\/)/;
const REQUEST_FUNCS =
  /^(?:full_dispatch_request|dispatch_request|handle_request|handle_user_exception|_get_response|inner|run_asgi|app|view_func|handle)$/;

export const appException: Cause = {
  meta: {
    id: 'app_exception',
    title: 'A request handler raises an exception: the route answers 500',
    layer: 'app',
    docs:
      'The app starts and serves, but one route fails on every call with an unhandled exception: a bug ' +
      'in the release, data the code did not expect, or an external service that changed.',
    degrades: true,
    worthMatching: /Internal Server Error|Exception on |" 500 |HTTP\/[\d.]+ 500\)/,
  },
  matchError(error) {
    const frames = framesOf(error);
    // Django's debug page names the request; otherwise the frames must show a request being handled.
    if (
      error.route === undefined &&
      !frames.some((f) => REQUEST_FRAMES.test(f.file) && REQUEST_FUNCS.test(f.func))
    )
      return null;
    // Lifecycle exceptions that travel through request code are not the app's error.
    if (/^(?:SystemExit|KeyboardInterrupt|GeneratorExit|.*HaltServer|.*CancelledError)$/.test(error.type))
      return null;
    const app = frames.filter((f) => !/(?:site|dist)-packages|\/lib\/python\d|^</.test(f.file));
    const last = app[app.length - 1];
    return {
      ...(error.route ? { route: error.route } : {}),
      error: `${error.type}: ${error.message.split('\n')[0]}`,
      file: last ? `${last.file}:${last.line}` : '',
      func: last?.func ?? '',
    };
  },
  // A request that answered 500 with no exception in the logs to say why: Django's request logger, Flask's
  // "Exception on /x [GET]", an app server's access line. Weak: a traceback claimed by another cause (the
  // database is down) explains it.
  matchLine(event) {
    const m =
      /Internal Server Error: (\/\S*)|Exception on (\/\S*) \[[A-Z]+\]/.exec(event.text) ??
      /\b[A-Z]{3,7} (\/\S*) => generated \d+ bytes in \d+ msecs \(HTTP\/[\d.]+ 500\)/.exec(event.text) ??
      (event.source === 'nginx-access' ? null : /"[A-Z]{3,7} (\/\S*) HTTP\/[\d.]+" 500 /.exec(event.text));
    if (!m) return null;
    return { route: m[1] ?? m[2] ?? '', weak: 'yes' };
  },
  decide(evidence) {
    const f = fromSignal('app_exception', evidence);
    if (f && f.signal?.captures.weak) f.confidence = 'low';
    return f;
  },
  fix(c, t) {
    return [
      `journalctl -u ${unitName(t)} --no-pager | grep -B30 '${(c.error ?? '').split(':')[0]}' | tail -40`,
      c.file
        ? `# the bug is at ${c.file} (${c.func}): fix it and deploy, or roll back to the last good release`
        : '# fix the handler and deploy, or roll back to the last good release',
    ];
  },
};
