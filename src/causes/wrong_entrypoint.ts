import { importedByCode } from './missing_dependency.ts';
import { ENTRY_MODULE, framesOf } from './python.ts';
import { type Cause, fromSignal, unitName } from './types.ts';

// gunicorn: "Failed to find attribute 'app' in 'wsgi'." / "Failed to find application object 'app' in 'wsgi'"
const GUNICORN_ATTR = /Failed to find (?:attribute|application object) '([\w.()]+)' in '([\w.]+)'/;
// uvicorn: 'Error loading ASGI app. Could not import module "main".' / 'Attribute "app" not found in module "main".'
const UVICORN =
  /Error loading ASGI app\. (?:Could not import module "([\w.]+)"|Attribute "(\w+)" not found in module "([\w.]+)")/;
const APP_FACTORY =
  /Error loading ASGI app factory|Application object must be callable|is not a valid WSGI application/;

export const wrongEntrypoint: Cause = {
  meta: {
    id: 'wrong_entrypoint',
    title: 'The server is told to load an app module or object that does not exist',
    layer: 'app',
    docs:
      'The module:object in ExecStart (gunicorn wsgi:app, uvicorn app.main:app) does not match the code: ' +
      'the module was renamed or moved, WorkingDirectory/--chdir is not the project root, or the object ' +
      'is called something else (application, create_app()).',
    worthMatching:
      /Failed to find|Error loading ASGI app|Application object must be callable|is not a valid WSGI application/,
    precedes: ['missing_dependency', 'syntax_or_import_error_in_app'],
  },
  matchLine(event) {
    const g = GUNICORN_ATTR.exec(event.text);
    // (a factory call that failed is not proof: see the inventory's 'Failed to find application object')
    if (g && !/application object '[^']*\(/.test(g[0])) return { object: g[1] ?? '', module: g[2] ?? '' };
    const u = UVICORN.exec(event.text);
    if (u) return u[1] ? { module: u[1] } : { object: u[2] ?? '', module: u[3] ?? '' };
    if (APP_FACTORY.test(event.text)) return { module: '' };
    return null;
  },
  matchError(error) {
    const e = error.chain[error.chain.length - 1];
    if (!e) return null;
    // A path where a module name belongs ("gunicorn /src/myproject.wsgi"): Python never finds a module of that name.
    const path = /No module named '([^']*\/[^']*)'/.exec(e.message);
    if (path) return { module: path[1] ?? '', path: 'yes' };
    // (Python 2 prints the name without quotes)
    const found = /No module named (?:'([\w.]+)'|([\w.]+)\s*$)/.exec(e.message);
    const m = found ? [found[0], found[1] ?? found[2] ?? ''] : null;
    // The server itself failed to import the entry module: nothing of the app ran yet.
    if (m && !importedByCode(error)) return { module: m[1] ?? '' };
    // No frames to tell who imported it, and the name is an entry module's, never a package's on PyPI.
    if (m && framesOf(error).length === 0 && ENTRY_MODULE.test(m[1] ?? '')) return { module: m[1] ?? '' };
    return null;
  },
  decide: (evidence) => fromSignal('wrong_entrypoint', evidence),
  fix(c, t) {
    const asks = c.module ? ` (it asks for '${c.module}${c.object ? `:${c.object}` : ''}')` : '';
    if (t.container) {
      const { name, service, workdir } = t.container;
      return [
        `docker inspect -f '{{json .Config.Entrypoint}} {{json .Config.Cmd}}' ${name}   # the command it runs`,
        `grep -rn --include='*.py' -E '^(app|application) *=|def create_app' .   # in the build context${workdir ? ` (${workdir} in the image)` : ''}`,
        `# point command: in docker-compose.yml (or CMD in the Dockerfile) at the real module:object${asks}, then:`,
        service
          ? `docker compose up -d --build ${service}`
          : `docker build -t IMAGE . && docker rm -f ${name} && docker run ... IMAGE`,
      ];
    }
    const dir = t.workdir ?? '/srv/APP';
    return [
      `systemctl cat ${unitName(t)} | grep -E 'WorkingDirectory|ExecStart'`,
      `ls ${dir}; grep -rn --include='*.py' -E '^(app|application) *=|def create_app' ${dir} | grep -v -e venv -e site-packages | head`,
      `# point ExecStart at the real module:object${asks}, then:`,
      `systemctl edit --full ${unitName(t)} && systemctl restart ${unitName(t)}`,
    ];
  },
};
