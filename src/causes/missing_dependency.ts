import { NOT_THIS_PYTHON } from './messages/python.ts';
import { appFrames, ENTRY_MODULE, framesOf } from './python.ts';
import { type Cause, fromSignal, unitName } from './types.ts';

// "No module named 'markdown'", "No module named 'flask_sqlalchemy.model'", Python 2's "No module named flask"
// (CPython's import.c / importlib._bootstrap). Not "No module named 'x.y'; 'x' is not a package": a file
// of the app named like the package shadows it.
// The commands of the app servers and workers a project installs into its virtualenv
const SERVER_COMMAND = '(gunicorn|uvicorn|uwsgi|daphne|hypercorn|celery|waitress-serve|rq|alembic|flask)';
const SHELL_NOT_FOUND = new RegExp(
  `(?:^|\\s)(?:/bin/)?(?:sh|bash|dash|ash)(?:: \\d+| line \\d+)?: (?:exec: )?${SERVER_COMMAND}: (?:not found|command not found)`,
);
const RUNTIME_NOT_FOUND = new RegExp(`exec: "${SERVER_COMMAND}": executable file not found in \\$PATH`);
const STDLIB_CHANGED = new RegExp(`^(?:${NOT_THIS_PYTHON})$`);
const NO_MODULE = /No module named (?:'([\w.]+)'|([\w.]+)(?=$|\s))(?!; '[\w.]+' is not a package)/;

/** True when the import that failed was asked for by the app's own code or an installed package, not by the server loading the entry point. */
export function importedByCode(error: Parameters<NonNullable<Cause['matchError']>>[0]): boolean {
  const frames = framesOf(error).filter((f) => !f.file.startsWith('<'));
  const last = frames[frames.length - 1];
  if (!last) return true;
  return (
    !/\/(?:gunicorn|uvicorn|hypercorn|daphne|waitress)\/[\w/]*\.py$/.test(last.file) &&
    last.func !== 'import_module'
  );
}

/** The top-level packages of the app's own files: /srv/flaskapp/flaskapp/__init__.py → flaskapp. */
export function appPackages(error: Parameters<NonNullable<Cause['matchError']>>[0]): Set<string> {
  const out = new Set<string>();
  for (const f of appFrames(error)) {
    const parts = f.file.split('/');
    const file = parts[parts.length - 1] ?? '';
    const dir = parts[parts.length - 2];
    out.add(file.replace(/\.py$/, ''));
    if (dir) out.add(dir);
  }
  return out;
}

export const missingDependency: Cause = {
  meta: {
    id: 'missing_dependency',
    title: 'A package the app imports is not installed in its virtualenv',
    layer: 'runtime',
    docs:
      'The app (or a package it uses) imports a module that the interpreter running it cannot find: the ' +
      'requirements were not installed into the virtualenv the unit uses, the deploy installed them ' +
      'elsewhere, or a new dependency was added to the code but not to the requirements.',
    worthMatching: /not found/,
    precedes: ['syntax_or_import_error_in_app'],
  },
  matchError(error) {
    for (const e of error.chain) {
      const m = NO_MODULE.exec(e.message);
      if (m) {
        const module = m[1] ?? m[2] ?? '';
        const top = module.split('.')[0] ?? module;
        // A module this interpreter's standard library lacks (distutils on 3.12, urllib2): the Python is wrong.
        if (STDLIB_CHANGED.test(top)) return null;
        // The app's own module, or the entry point the server was told to load, is another cause.
        if (appPackages(error).has(top)) return null;
        if (!importedByCode(error)) return null;
        // With no frames, an entry module's name ("main", "myproject.wsgi") is the server's load failing.
        if (framesOf(error).length === 0 && ENTRY_MODULE.test(module)) return null;
        return { module, package: top };
      }
    }
    return null;
  },
  // The shell of a container or a script cannot find the app server: it is not installed where the command
  // runs ("/bin/sh: 1: gunicorn: not found", exit code 127). Not "[gunicorn,": a CMD written as broken JSON.
  // ... and the container runtime's words for the same: 'exec: "gunicorn": executable file not found in $PATH'
  matchLine(event) {
    const m = SHELL_NOT_FOUND.exec(event.text) ?? RUNTIME_NOT_FOUND.exec(event.text);
    return m ? { module: m[1] ?? '', package: m[1] === 'waitress-serve' ? 'waitress' : (m[1] ?? '') } : null;
  },
  decide: (evidence) => fromSignal('missing_dependency', evidence),
  fix(c, t) {
    const pkg = c.package ?? 'PACKAGE';
    if (t.container) {
      // the image lacks it: the fix goes into the build, never into a running container
      const { name, service } = t.container;
      return [
        `grep -i '^${pkg.replace(/_/g, '[-_]')}' requirements.txt || echo '${pkg}  # add it, with the version you tested' >> requirements.txt`,
        `# the Dockerfile must install it: RUN pip install -r requirements.txt (after COPY requirements.txt .)`,
        service
          ? `docker compose build ${service} && docker compose up -d ${service}`
          : `docker build -t IMAGE . && docker rm -f ${name} && docker run ... IMAGE`,
        `docker logs --tail 20 ${name}   # it starts without the ImportError`,
      ];
    }
    const venv = t.venv ?? '/path/to/venv';
    const req = t.workdir ? `${t.workdir}/requirements.txt` : 'requirements.txt';
    return [
      `grep -i '^${pkg.replace(/_/g, '[-_]')}' ${req} || echo '${pkg}  # add it, with the version you tested' >> ${req}`,
      `${venv}/bin/pip install -r ${req}`,
      `${venv}/bin/python -c 'import ${c.module ?? pkg}'`,
      `systemctl restart ${unitName(t)}`,
    ];
  },
};
