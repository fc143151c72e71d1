import { appPackages } from './missing_dependency.ts';
import { appFrames } from './python.ts';
import { type Cause, fromSignal, unitName } from './types.ts';

const CODE_ERRORS = new Set(['SyntaxError', 'IndentationError', 'TabError', 'NameError']);

export const syntaxOrImportErrorInApp: Cause = {
  meta: {
    id: 'syntax_or_import_error_in_app',
    title: "The app's own code fails to import: a syntax error, a bad name or a circular import",
    layer: 'app',
    docs:
      'The release contains code that cannot even be loaded: a syntax or indentation error, a name used ' +
      'before it exists, an import of a module or name of the app that is not there (renamed, not ' +
      'committed) or a circular import.',
  },
  matchError(error) {
    for (const e of error.chain) {
      const type = e.type.replace(/^.*\./, '');
      if (CODE_ERRORS.has(type)) {
        // A SyntaxError inside an installed package is a version problem, not the app's code.
        // The last "File ..." line is where the code is broken (for a SyntaxError it has no ", in X").
        const where = [...error.context].reverse().find((l) => /File "/.test(l));
        const path = where ? (/File "([^"]+)"/.exec(where)?.[1] ?? '') : '';
        if (type === 'SyntaxError' && /(?:site|dist)-packages/.test(path)) return null;
        return { error: `${type}: ${e.message.split('\n')[0]}`, file: path };
      }
      // Python 3 names the module; Python 2 only the name, without quotes ("cannot import name check_headers")
      const m =
        /cannot import name '(\w+)' from (?:partially initialized module )?'([\w.]+)'/.exec(e.message) ??
        /^cannot import name '?(\w+)'?\s*$/.exec(e.message);
      if (m && appFrames(error).length > 0 && !/(?:site|dist)-packages|\/lib\/python\d/.test(e.message)) {
        return { error: `${type}: ${e.message.split('\n')[0]}`, module: m[2] ?? m[1] ?? '' };
      }
      const n = /No module named '([\w.]+)'/.exec(e.message);
      if (n && appPackages(error).has((n[1] ?? '').split('.')[0] ?? ''))
        return { error: `${type}: ${e.message}`, module: n[1] ?? '' };
    }
    return null;
  },
  decide: (evidence) => fromSignal('syntax_or_import_error_in_app', evidence),
  fix(c, t) {
    const venv = t.venv ?? '/path/to/venv';
    const target = c.file && c.file.endsWith('.py') ? c.file : (t.workdir ?? '.');
    return [
      `${venv}/bin/python -m py_compile ${target}   # shows the line`,
      `# fix it in the repository and deploy again, or go back to the last good release`,
      `systemctl restart ${unitName(t)}`,
    ];
  },
};
