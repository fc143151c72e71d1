// The runtime layer: the testbed's units and projects (ExecStart, requirements.txt, pyproject.toml, what the
// python_version_mismatch, venv_copied and missing_dependency scenarios change), what the virtualenv's Python
// answers when medic asks it, and pip 23.2.1's own `pip check` lines.
import {
  check as pythonVersion,
  type PythonVersionFacts,
} from '../../../src/checks/runtime_python_version.ts';
import { check as venvMatches, type VenvFacts } from '../../../src/checks/runtime_venv_matches_exec.ts';
import { check as depsInstalled, type DepsFacts } from '../../../src/checks/deps_installed.ts';
import { appServerOf } from '../../../src/app/server.ts';
import { type Project, pyprojectOf, requirementsOf } from '../../../src/discover/project.ts';
import { testbedFile } from './testbed.ts';
import { execStart, ruleTester } from './tester.ts';

/** The unit's ExecStart, its virtualenv and interpreter, derived the way discovery derives them. */
function unitOf(unit: string, argv: string) {
  const exec = execStart(argv);
  const venv = appServerOf(exec.argv)?.python?.venv ?? null;
  return { unit, exec, venv, python: venv ? `${venv}/bin/python` : null };
}
const FLASKAPP = unitOf('flaskapp.service', '/srv/flaskapp/.venv/bin/gunicorn --workers 2 wsgi:app');
const FASTAPI = unitOf('fastapi.service', '/srv/fastapi/.venv/bin/uvicorn app.main:app --port 8001');

const FLASK_REQUIREMENTS = testbedFile('srv/flaskapp/requirements.txt');
const FASTAPI_PYPROJECT = testbedFile('srv/fastapi/pyproject.toml');

const project = (root: string, over: Partial<Project> = {}): Project => ({
  root,
  framework: 'unknown',
  requirementFiles: ['requirements.txt'],
  requirements: [],
  envReads: [],
  writable: [],
  ...over,
});
/** fastapi's project as discovery reads it: requires-python and the dependencies of its pyproject.toml. */
const fastapiProject = (pyproject = FASTAPI_PYPROJECT, over: Partial<Project> = {}) => {
  const pp = pyprojectOf(pyproject);
  return project('/srv/fastapi', {
    framework: 'fastapi',
    requirementFiles: ['pyproject.toml'],
    requirements: pp?.dependencies ?? [],
    ...(pp?.requiresPython ? { python: { spec: pp.requiresPython, from: 'pyproject.toml' } } : {}),
    ...over,
  });
};
const flaskProject = (requirements = FLASK_REQUIREMENTS) =>
  project('/srv/flaskapp', { framework: 'flask', requirements: requirementsOf(requirements) });

// ---- runtime.python_version ----------------------------------------------------------------------------

const needs = (requiresPython: string) =>
  fastapiProject(
    FASTAPI_PYPROJECT.replace(/^requires-python = .*$/m, `requires-python = "${requiresPython}"`),
  );
/** A .python-version or runtime.txt pin, as discovery turns it into a spec (no pyproject requirement). */
const pinned = (version: string, from = '.python-version') =>
  fastapiProject(FASTAPI_PYPROJECT.replace(/^requires-python = .*\n/m, ''), {
    python: { spec: version.split('.').length > 2 ? `==${version}` : `==${version}.*`, from },
  });
const runs = (version: string, p: Project | null = fastapiProject()): PythonVersionFacts => ({
  service: { ...FASTAPI, project: p },
  python: { version },
});

ruleTester(pythonVersion, {
  valid: [
    {
      when: "fastapi's Python 3.11.2 and its pyproject's requires-python >=3.11",
      facts: runs('3.11.2'),
      says: /^Python 3\.11\.2 satisfies >=3\.11 \(pyproject\.toml\)$/,
    },
    {
      when: 'requires-python >=3.10 and Python 3.10.0, the first release it allows',
      facts: runs('3.10.0', needs('>=3.10')),
    },
    {
      when: 'requires-python ~=3.11 and Python 3.12.1: the compatible release allows any 3.x from 3.11',
      facts: runs('3.12.1', needs('~=3.11')),
    },
    {
      when: '.python-version pins 3.11 and Python 3.11.2 runs',
      facts: runs('3.11.2', pinned('3.11')),
      says: /==3\.11\.\* \(\.python-version\)/,
    },
    {
      when: 'the project states no Python (flaskapp)',
      facts: { service: { ...FLASKAPP, project: flaskProject() }, python: { version: '3.11.2' } },
      says: /^Python 3\.11\.2 \(the project states no requirement\)$/,
    },
  ],
  invalid: [
    {
      when: 'the release asks for >=3.12 and the virtualenv runs 3.11.2 (python_version_mismatch)',
      facts: runs('3.11.2', needs('>=3.12')),
      status: 'fail',
      says: /^Python 3\.11\.2 in \/srv\/fastapi\/\.venv, the project asks for >=3\.12 \(pyproject\.toml\)$/,
      // a pyproject.toml is no requirements file: its dependencies are installed by name
      fix: /python3\.X -m venv --clear \/srv\/fastapi\/\.venv[\s\S]*cd \/srv\/fastapi && \/srv\/fastapi\/\.venv\/bin\/pip install fastapi==0\.92\.0 uvicorn==0\.17\.6 .*'alembic>=1\.8'[\s\S]*systemctl restart fastapi\.service/,
    },
    {
      when: 'requires-python >=3.10 and Python 3.9.18',
      facts: runs('3.9.18', needs('>=3.10')),
      status: 'fail',
      says: /^Python 3\.9\.18 in .*asks for >=3\.10/,
    },
    {
      when: '.python-version pins 3.11 and Python 3.12.1 runs',
      facts: runs('3.12.1', pinned('3.11')),
      status: 'fail',
      says: /^Python 3\.12\.1 in .*asks for ==3\.11\.\* \(\.python-version\)$/,
    },
    {
      when: "runtime.txt's python-3.11.4 and Python 3.11.2",
      facts: runs('3.11.2', pinned('3.11.4', 'runtime.txt')),
      status: 'fail',
      says: /asks for ==3\.11\.4 \(runtime\.txt\)$/,
    },
    {
      when: "the virtualenv's python links to a base Python that was removed",
      facts: {
        service: { ...FLASKAPP, project: flaskProject() },
        python: { error: 'command not found: /srv/flaskapp/.venv/bin/python' },
      },
      status: 'fail',
      says: /^\/srv\/flaskapp\/\.venv\/bin\/python does not run$/,
      fix: /python3 -m venv --clear \/srv\/flaskapp\/\.venv[\s\S]*cd \/srv\/flaskapp && \/srv\/flaskapp\/\.venv\/bin\/pip install -r requirements\.txt[\s\S]*systemctl restart flaskapp\.service/,
    },
    {
      when: 'the interpreter starts but cannot load its libpython',
      facts: {
        service: { ...FLASKAPP, project: flaskProject() },
        python: {
          error:
            '/srv/flaskapp/.venv/bin/python: error while loading shared libraries: libpython3.11.so.1.0: cannot open shared object file: No such file or directory',
        },
      },
      status: 'fail',
      says: /does not run$/,
    },
  ],
  skipped: [
    {
      when: 'ExecStart runs no virtualenv or Python medic can name',
      facts: {
        service: { ...unitOf('app.service', '/usr/local/bin/app-server --port 8000'), project: null },
        python: null,
      },
    },
  ],
});

// ---- runtime.venv_matches_exec -------------------------------------------------------------------------

const venvFacts = (over: Partial<VenvFacts> = {}, service = FLASKAPP): VenvFacts => ({
  service: { ...service, project: flaskProject() },
  projectVenvs: ['/srv/flaskapp/.venv'],
  venvExists: true,
  venvHasConfig: true,
  // provision.sh's console scripts start with "#!VENV/bin/python3", as pip writes them
  shebang: '/srv/flaskapp/.venv/bin/python3',
  ...over,
});
/** venv_copied: `cp -a .venv venv` and ExecStart moved to venv/bin/gunicorn; the scripts still name .venv. */
const COPIED = unitOf('flaskapp.service', '/srv/flaskapp/venv/bin/gunicorn --workers 2 wsgi:app');

ruleTester(venvMatches, {
  valid: [
    {
      when: "flaskapp's gunicorn starts the Python of its own .venv",
      facts: venvFacts(),
      says: /^\/srv\/flaskapp\/\.venv\/bin\/gunicorn runs \/srv\/flaskapp\/\.venv\/bin\/python3 in \/srv\/flaskapp\/\.venv$/,
    },
    {
      // Python finds pyvenv.cfg beside the path it was started by, not its link target: sys.prefix stays
      // /srv/flaskapp/venv (checked on CPython 3.11.7 with bin/python3 linked into another venv).
      when: "the venv's bin/python3 is a symlink to another venv's Python, and the scripts name this venv",
      facts: venvFacts(
        {
          projectVenvs: ['/srv/flaskapp/.venv', '/srv/flaskapp/venv'],
          shebang: '/srv/flaskapp/venv/bin/python3',
        },
        COPIED,
      ),
    },
    {
      when: 'the script starts "#!/usr/bin/env python3": the PATH decides, not the line',
      facts: venvFacts({ shebang: '/usr/bin/env' }),
    },
    {
      when: "pip's /bin/sh launcher, written for a venv path over 127 characters",
      facts: venvFacts({ shebang: '/bin/sh' }),
    },
    {
      when: 'ExecStart runs the venv\'s python itself ("python -m gunicorn"): no "#!" to follow',
      facts: venvFacts(
        { projectVenvs: ['/srv/fastapi/.venv'], shebang: undefined },
        unitOf('fastapi.service', '/srv/fastapi/.venv/bin/python -m uvicorn app.main:app'),
      ),
      says: /runs directly in \/srv\/fastapi\/\.venv$/,
    },
  ],
  invalid: [
    {
      when: "the venv was copied to venv/ and its scripts still start .venv's Python (venv_copied)",
      facts: venvFacts({ projectVenvs: ['/srv/flaskapp/.venv', '/srv/flaskapp/venv'] }, COPIED),
      status: 'fail',
      says: /^\/srv\/flaskapp\/venv\/bin\/gunicorn runs \/srv\/flaskapp\/\.venv\/bin\/python3: another virtualenv's Python$/,
      fix: /python3 -m venv --clear \/srv\/flaskapp\/venv [\s\S]*\/srv\/flaskapp\/venv\/bin\/pip install -r requirements\.txt[\s\S]*systemctl restart flaskapp\.service/,
    },
    {
      when: 'the venv was moved away and the old path is gone: the scripts name a Python that no longer exists',
      facts: venvFacts(
        { projectVenvs: ['/srv/flaskapp/venv'], shebang: '/home/deploy/flaskapp/.venv/bin/python3.11' },
        COPIED,
      ),
      status: 'fail',
      says: /runs \/home\/deploy\/flaskapp\/\.venv\/bin\/python3\.11/,
    },
    {
      when: 'ExecStart runs a system-wide gunicorn while the project has its own .venv',
      facts: venvFacts({}, unitOf('flaskapp.service', '/usr/bin/gunicorn --workers 2 wsgi:app')),
      status: 'warn',
      says: /^ExecStart runs \/usr\/bin\/gunicorn, outside the project's virtualenv \/srv\/flaskapp\/\.venv$/,
      fix: /systemctl edit --full flaskapp\.service {4}# ExecStart=\/srv\/flaskapp\/\.venv\/bin\/gunicorn/,
    },
    {
      when: 'the unit runs a venv outside the project and the project has another',
      facts: venvFacts(
        { shebang: '/opt/venvs/flaskapp/bin/python3' },
        unitOf('flaskapp.service', '/opt/venvs/flaskapp/bin/gunicorn wsgi:app'),
      ),
      status: 'warn',
      says: /^the unit runs \/opt\/venvs\/flaskapp, the project directory has \/srv\/flaskapp\/\.venv$/,
    },
    {
      when: "the unit's bin/ directory has no pyvenv.cfg: not a virtualenv",
      facts: venvFacts({ venvHasConfig: false }),
      status: 'warn',
      says: /has no pyvenv\.cfg/,
    },
  ],
  skipped: [
    {
      when: 'the virtualenv does not exist (unit.exec_exists says so)',
      facts: venvFacts({ venvExists: false, venvHasConfig: false, shebang: undefined }),
      says: /does not exist/,
    },
    {
      when: 'ExecStart runs no virtualenv and the project has none',
      facts: venvFacts({ projectVenvs: [] }, unitOf('flaskapp.service', '/usr/bin/gunicorn wsgi:app')),
    },
    {
      when: 'the unit has no ExecStart=',
      facts: { ...venvFacts(), service: { ...venvFacts().service, exec: null } },
    },
  ],
});

// ---- deps.installed ------------------------------------------------------------------------------------

// What UNMET_REQUIREMENTS prints, and pip 23.2.1's `python -m pip check` (exit 1 when it finds a problem), on a
// Python 3.11 virtualenv holding Flask 2.2.2, Werkzeug 2.0.1, redis 4.3.4 without async-timeout, and celery 5.2.6
// without kombu.
const out = (stdout: string, code = 0, stderr = '') => ({ code, stdout, stderr });
const PIP_CHECK = `celery 5.2.6 requires kombu, which is not installed.
redis 4.3.4 requires async-timeout, which is not installed.
flask 2.2.2 has requirement Werkzeug>=2.2.2, but you have werkzeug 2.0.1.
`;
const NO_PACKAGING = `Traceback (most recent call last):
  File "<string>", line 5, in unmet_requirements
ModuleNotFoundError: No module named 'packaging'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "<string>", line 7, in unmet_requirements
ModuleNotFoundError: No module named 'pip'
`;
const deps = (
  unmet: DepsFacts['unmet'],
  pipCheck: DepsFacts['pipCheck'] = out('No broken requirements found.\n'),
  p: Project | null = flaskProject(),
  service = FLASKAPP,
): DepsFacts => ({ service: { ...service, project: p }, unmet, pipCheck });

ruleTester(depsInstalled, {
  valid: [
    {
      when: "flaskapp's 4 requirements are installed and pip check finds nothing",
      facts: deps(out('[]')),
      says: /^4 requirements of requirements\.txt met; pip check clean$/,
    },
    {
      // the testbed's venvs see the system's site-packages: conflicts among the OS's packages are not the app's
      when: 'pip check reports conflicts only among packages the project does not require',
      facts: deps(out('[]'), out('celery 5.2.6 requires kombu, which is not installed.\n', 1)),
      says: /^4 requirements of requirements\.txt met; pip check: 1 conflict among packages the project does not require$/,
    },
    {
      when: 'pip is not in the virtualenv, so pip check gave no answer',
      facts: deps(out('[]'), null),
      says: /^4 requirements of requirements\.txt met$/,
    },
  ],
  invalid: [
    {
      when: 'requirements.txt gains Markdown==3.4.1 that was never installed (missing_dependency)',
      facts: deps(
        out('[{"name": "Markdown", "want": "==3.4.1", "have": null}]'),
        undefined,
        flaskProject(`${FLASK_REQUIREMENTS}Markdown==3.4.1\n`),
      ),
      status: 'fail',
      says: /^Markdown is not installed as requirements\.txt requires$/,
      fix: /^cd \/srv\/flaskapp && \/srv\/flaskapp\/\.venv\/bin\/pip install -r requirements\.txt\nsystemctl restart flaskapp\.service$/,
    },
    {
      when: 'one requirement has another version installed and one is missing',
      facts: deps(
        out(
          '[{"name": "Werkzeug", "want": ">=2.2.2", "have": "2.0.1"}, {"name": "Markdown", "want": "==3.4.1", "have": null}]',
        ),
        undefined,
        flaskProject(`${FLASK_REQUIREMENTS}Werkzeug>=2.2.2\nMarkdown==3.4.1\n`),
      ),
      status: 'fail',
      says: /^Werkzeug, Markdown are not installed as requirements\.txt requires$/,
    },
    {
      when: "fastapi's pyproject.toml asks for alembic>=1.8 and 1.7.7 is installed",
      facts: deps(
        out('[{"name": "alembic", "want": ">=1.8", "have": "1.7.7"}]'),
        undefined,
        fastapiProject(),
        FASTAPI,
      ),
      status: 'fail',
      says: /^alembic is not installed as pyproject\.toml requires$/,
      fix: /^cd \/srv\/fastapi && \/srv\/fastapi\/\.venv\/bin\/pip install fastapi==0\.92\.0 uvicorn==0\.17\.6 SQLAlchemy==1\.4\.46 'alembic>=1\.8' psycopg2==2\.9\.5$/m,
    },
    {
      when: "pip check: flask's own dependency Werkzeug is older than it needs",
      facts: deps(out('[]'), out(PIP_CHECK, 1)),
      status: 'warn',
      says: /^4 requirements of requirements\.txt met; pip check reports 2 conflicts$/,
      fix: /\/srv\/flaskapp\/\.venv\/bin\/pip check/,
    },
    {
      when: 'pip check: a required package needs one that is not installed',
      facts: deps(out('[]'), out('redis 4.3.4 requires async-timeout, which is not installed.\n', 1)),
      status: 'warn',
      says: /pip check reports 1 conflicts$/,
    },
  ],
  skipped: [
    {
      when: 'the project lists no requirements',
      facts: deps(out('[]'), undefined, project('/srv/flaskapp')),
    },
    {
      when: 'ExecStart runs no virtualenv',
      facts: deps(null, null, flaskProject(), unitOf('app.service', '/usr/local/bin/app-server --port 8000')),
    },
    {
      when: "the virtualenv's Python has neither packaging nor pip to read the requirements with",
      facts: deps(
        out('', 1, NO_PACKAGING),
        out('', 1, '/srv/flaskapp/.venv/bin/python: No module named pip\n'),
      ),
      says: /No module named 'pip'$/,
    },
    { when: 'the Python did not answer at all', facts: deps(null, null), says: /no answer$/ },
  ],
});
