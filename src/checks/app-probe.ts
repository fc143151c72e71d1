// One Python per app: the checks that ask the app's own interpreter (its version, the app imported as the
// unit imports it, the requirements it finds unmet, pip's check, Django's `check --deploy` and
// `showmigrations --plan`) share one process instead of starting five. A part the process could not do
// (no pip internals, a settings module it cannot tell) comes back null, and its check runs its own command.
import type { Output } from './types.ts';

/** What the app's Python was asked, besides importing the app. */
export interface AppProbeRequest {
  module: string;
  factory: boolean;
  /** requirements.txt lines to test against the installed distributions. */
  requirements: string[];
  pipCheck: boolean;
  /** Django's management commands, run in the process that imported the app. */
  djangoCheck: boolean;
  showMigrations: boolean;
}

/** What importing the app told us: the object, Flask's and Django's settings as loaded. */
export interface AppFacts {
  ok: boolean;
  error?: string;
  traceback?: string;
  object?: string;
  python?: string;
  executable?: string;
  prefix?: string;
  /** How long the import itself took, in the app's own process. */
  importMs?: number;
  flask?: { debug: boolean; testing: boolean };
  django?: {
    DEBUG: boolean;
    ALLOWED_HOSTS: string[];
    STATIC_ROOT: string;
    STATIC_URL: string;
    MEDIA_ROOT: string;
  };
}

export interface AppProbe {
  app: AppFacts;
  /** Each part's output as its own command would have printed it; null: not asked, or not doable here. */
  requirements: Output | null;
  pipCheck: Output | null;
  djangoCheck: Output | null;
  showMigrations: Output | null;
}

/** For each requirement line: missing, or another version than it asks, in this interpreter's environment. */
export const UNMET_REQUIREMENTS = String.raw`
def unmet_requirements(lines):
    import json
    try:
        from packaging.requirements import Requirement
    except ImportError:
        from pip._vendor.packaging.requirements import Requirement
    from importlib import metadata
    unmet = []
    for line in lines:
        try:
            r = Requirement(line)
        except Exception:
            continue
        if r.marker and not r.marker.evaluate():
            continue
        try:
            v = metadata.version(r.name)
        except metadata.PackageNotFoundError:
            unmet.append({"name": r.name, "want": str(r.specifier), "have": None})
            continue
        if r.specifier and not r.specifier.contains(v, prereleases=True):
            unmet.append({"name": r.name, "want": str(r.specifier), "have": v})
    return {"code": 0, "stdout": json.dumps(unmet), "stderr": ""}
`;

// Imports the entrypoint as the app server would: cwd first on sys.path, the module, the attribute (a call
// with literal arguments like "create_app()" or a --factory is called), then reads what matters of it; then
// the other parts asked for, each caught on its own so one failing part leaves the others.
export const APP_PROBE =
  UNMET_REQUIREMENTS +
  String.raw`
import ast, importlib, io, json, os, sys, traceback
req = json.loads(sys.argv[1])
sys.path.insert(0, os.getcwd())
out = {"python": "%d.%d.%d" % sys.version_info[:3], "executable": sys.executable, "prefix": sys.prefix}
obj = None
import time
started = time.monotonic()
try:
    mod, _, attr = req["module"].partition(":")
    obj = importlib.import_module(mod)
    expr = ast.parse(attr or "application", mode="eval").body
    call = isinstance(expr, ast.Call)
    node = expr.func if call else expr
    names = []
    while isinstance(node, ast.Attribute):
        names.insert(0, node.attr)
        node = node.value
    names.insert(0, node.id)
    for name in names:
        obj = getattr(obj, name)
    if call:
        obj = obj(*[ast.literal_eval(a) for a in expr.args], **{k.arg: ast.literal_eval(k.value) for k in expr.keywords})
    elif req["factory"]:
        obj = obj()
    out["ok"] = True
    out["object"] = type(obj).__module__ + "." + type(obj).__qualname__
except BaseException as e:
    out["ok"] = False
    out["error"] = traceback.format_exception_only(type(e), e)[-1].strip()
    out["traceback"] = traceback.format_exc()[-4000:]
out["importMs"] = int((time.monotonic() - started) * 1000)
django_ready = False
try:
    if "flask" in sys.modules:
        import flask
        for o in (obj, getattr(obj, "app", None), getattr(obj, "wsgi_app", None)):
            if isinstance(o, flask.Flask):
                out["flask"] = {"debug": bool(o.debug), "testing": bool(o.testing)}
                break
    if "django" in sys.modules and os.environ.get("DJANGO_SETTINGS_MODULE"):
        from django.conf import settings
        if settings.configured:
            django_ready = out["ok"]
            out["django"] = {k: (list(v) if isinstance(v, (list, tuple)) else v) for k, v in (
                ("DEBUG", bool(settings.DEBUG)), ("ALLOWED_HOSTS", settings.ALLOWED_HOSTS),
                ("STATIC_ROOT", str(settings.STATIC_ROOT or "")), ("STATIC_URL", str(settings.STATIC_URL or "")),
                ("MEDIA_ROOT", str(settings.MEDIA_ROOT or "")))}
except BaseException:
    pass
parts = {}

def pip_check():
    # pip check's own question and lines (pip/_internal/operations/check.py, commands/check.py), asked of
    # importlib.metadata: importing pip's internals alone takes half a second
    from importlib import metadata
    try:
        from packaging.requirements import Requirement
        from packaging.utils import canonicalize_name
    except ImportError:
        from pip._vendor.packaging.requirements import Requirement
        from pip._vendor.packaging.utils import canonicalize_name
    installed = {}
    for dist in metadata.distributions():
        # each of dist.metadata, .version and .requires reads and parses METADATA again: once is enough
        md = dist.metadata
        name = md["Name"]
        if name and canonicalize_name(name) not in installed:
            requires = md.get_all("Requires-Dist")
            installed[canonicalize_name(name)] = (md["Version"], requires if requires is not None else dist.requires or [])
    missing, conflicting = [], []
    for name in sorted(installed):
        version, requires = installed[name]
        for line in requires:
            try:
                r = Requirement(line)
            except Exception:
                continue
            if r.marker is not None and not r.marker.evaluate({"extra": ""}):
                continue
            dep = canonicalize_name(r.name)
            if dep not in installed:
                missing.append("%s %s requires %s, which is not installed." % (name, version, r.name))
            elif r.specifier and not r.specifier.contains(installed[dep][0], prereleases=True):
                conflicting.append("%s %s has requirement %s, but you have %s %s." % (name, version, r, dep, installed[dep][0]))
    lines = missing + conflicting
    return {"code": 1 if lines else 0, "stdout": "\n".join(lines) or "No broken requirements found.", "stderr": ""}

def django_command(*args, **options):
    from django.core.management import call_command
    stdout, stderr = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command(*args, stdout=stdout, stderr=stderr, **options)
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    except BaseException as e:
        stderr.write("%s: %s\n" % (type(e).__name__, e))
        code = 1
    return {"code": code, "stdout": stdout.getvalue(), "stderr": stderr.getvalue()}

for key, wanted, part in (
    ("requirements", bool(req["requirements"]), lambda: unmet_requirements(req["requirements"])),
    ("pipCheck", req["pipCheck"], pip_check),
    ("djangoCheck", req["djangoCheck"] and django_ready, lambda: django_command("check", deploy=True)),
    ("showMigrations", req["showMigrations"] and django_ready, lambda: django_command("showmigrations", plan=True)),
):
    if not wanted:
        continue
    try:
        parts[key] = part()
    except BaseException:
        pass
out["parts"] = parts
sys.stdout.write("\nMEDIC-JSON " + json.dumps(out, default=str) + "\n")
sys.stdout.flush()
os._exit(0)
`;

/** The last two frames of a failed import that are the app's own (not importlib's): where to look. */
export function lastAppFrames(traceback: string | undefined): string[] {
  return (traceback ?? '')
    .split('\n')
    .filter((l) => /^\s+File "/.test(l) && !/importlib|<frozen/.test(l))
    .slice(-2)
    .map((l) => l.trim());
}

/** The probe's answer from its output; a process that printed no answer is an import that failed. */
export function appProbeOf(r: Output & { timedOut?: boolean }): AppProbe {
  const none = { requirements: null, pipCheck: null, djangoCheck: null, showMigrations: null };
  const line = r.stdout.split('\n').find((l) => l.startsWith('MEDIC-JSON '));
  if (!line) {
    const last = r.stderr.trim().split('\n').pop() ?? '';
    return {
      app: {
        ok: false,
        error: r.timedOut ? 'the import did not finish in time' : last || `exit ${r.code}`,
        traceback: r.stderr.slice(-4000),
      },
      ...none,
    };
  }
  try {
    const { parts, ...app } = JSON.parse(line.slice('MEDIC-JSON '.length)) as AppFacts & {
      parts?: Partial<Record<keyof typeof none, Output>>;
    };
    return { app, ...none, ...parts };
  } catch {
    return { app: { ok: false, error: 'unreadable answer from the import probe' }, ...none };
  }
}
