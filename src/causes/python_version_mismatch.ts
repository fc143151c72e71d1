import { isLibraryFile } from './python.ts';
import { type Cause, fromSignal, unitName } from './types.ts';

export const pythonVersionMismatch: Cause = {
  meta: {
    id: 'python_version_mismatch',
    title: "The code needs a newer (or older) Python than the one in the app's virtualenv",
    layer: 'runtime',
    docs:
      'The release uses syntax or standard-library names of another Python version than the venv was ' +
      'built with (typing.override on 3.11, "X | None" on 3.9, match on 3.8), or a package refuses the ' +
      'interpreter ("requires a different Python").',
    worthMatching: /requires a different Python/,
    precedes: ['missing_dependency', 'syntax_or_import_error_in_app'],
  },
  matchError(error) {
    for (const e of error.chain) {
      // A name missing from the standard library itself: "cannot import name 'override' from 'typing' (/usr/lib/python3.11/typing.py)"
      const m = /cannot import name '(\w+)' from '([\w.]+)' \(([^)]+)\)/.exec(e.message);
      if (m && isLibraryFile(m[3] ?? '') && !/(?:site|dist)-packages/.test(m[3] ?? '')) {
        const version = /python(\d\.\d+)/.exec(m[3] ?? '')?.[1] ?? '';
        return { name: m[1] ?? '', module: m[2] ?? '', python: version };
      }
      if (/^(?:SyntaxError|IndentationError)$/.test(e.type)) {
        const where = [...error.context].reverse().find((l) => /File "/.test(l)) ?? '';
        // The source line is the one above the caret, or the one after the last frame.
        const caret = error.context.findLastIndex((l) => /^\s*\^+\s*$/.test(l));
        const source =
          (caret > 0 ? error.context[caret - 1] : error.context[error.context.indexOf(where) + 1]) ?? '';
        // A package from site-packages that does not parse was written for another Python.
        if (/(?:site|dist)-packages/.test(where))
          return { feature: `${e.type} in an installed package: ${where.trim()}` };
        // Syntax that only newer Pythons know: match/case (3.10), except* (3.11), type aliases (3.12).
        if (/^\s*(?:match|case)\s+\S.*:\s*$|\bexcept\*|^\s*type\s+\w+\s*=/.test(source))
          return { feature: source.trim() };
        // f-strings that only 3.12's grammar (PEP 701) takes: a backslash or a comment in an expression
        if (/f-string expression part cannot include (?:a backslash|'#')/.test(e.message))
          return { feature: `${e.message.split('\n')[0]} (Python 3.12+ allows it)` };
        // ... and syntax older Pythons do not know, or that newer ones took away: f-strings (3.6),
        // the walrus (3.8), async and await as keywords (3.7: a package that names a module "async").
        if (
          e.message.startsWith('invalid syntax') &&
          /\bf(?:'[^']*\{|"[^"]*\{)|:=|\.async\b|\basync\s*(?:=|,|\)|import\b)|\bimport async\b|\(\s*async\s*=/.test(
            source,
          )
        )
          return { feature: source.trim() };
        continue;
      }
      if (/unsupported operand type\(s\) for \|: '(?:type|ABCMeta|_GenericAlias)'/.test(e.message))
        return { feature: 'X | Y type unions (3.10+)' };
      if (
        /requires a different Python|Python \d\.\d+ or (?:later|newer) is required|requires Python/.test(
          e.message,
        )
      )
        return { feature: e.message.split('\n')[0] ?? '' };
    }
    return null;
  },
  matchLine(event) {
    const m = /requires a different Python: ([\d.]+) not in '([^']+)'/.exec(event.text);
    return m ? { python: m[1] ?? '', requires: m[2] ?? '' } : null;
  },
  decide(evidence) {
    const f = fromSignal(
      'python_version_mismatch',
      evidence,
      evidence.probes?.python?.requires ? 'high' : 'medium',
    );
    if (f && evidence.probes?.python) {
      const p = evidence.probes.python;
      f.evidence.push(
        `the venv runs Python ${p.version}; the project asks for ${p.requires ?? p.pinned ?? '?'}`,
      );
    }
    return f;
  },
  fix(c, t) {
    const venv = t.venv ?? '/path/to/venv';
    return [
      `${venv}/bin/python --version; grep -H requires-python ${t.workdir ?? '.'}/pyproject.toml; cat ${t.workdir ?? '.'}/.python-version`,
      `# rebuild the venv with the Python the project asks for${c.python ? ` (it runs ${c.python})` : ''}: python3.X -m venv ${venv}.new && ${venv}.new/bin/pip install -r requirements.txt, swap it in, then:`,
      `systemctl restart ${unitName(t)}`,
    ];
  },
};
