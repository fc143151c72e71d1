// requires-python read as PEP 440 reads it, at the edges a prefix match or a plain compare gets wrong.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { satisfies } from '../../src/discover/project.ts';

test('satisfies: PEP 440 specifiers against the Python a virtualenv runs', () => {
  const cases: [version: string, spec: string, expected: boolean][] = [
    // "==3.1" is 3.1 exactly (3.1.0 too), not every version that starts with "3.1".
    ['3.10.4', '==3.1', false],
    ['3.1.0', '==3.1', true],
    // "~=3.10" is ">=3.10, ==3.*": 3.11 meets it, 4.0 does not, 3.9 does not.
    ['3.11.2', '~=3.10', true],
    ['4.0.0', '~=3.10', false],
    ['3.9.18', '~=3.10', false],
    // "~=3.10.2" is ">=3.10.2, ==3.10.*".
    ['3.11.0', '~=3.10.2', false],
    ['3.10.12', '~=3.10.2', true],
    ['3.9.18', '>=3.9,<3.13', true],
    ['3.12.7', '>=3.9,<3.13', true],
    ['3.13.0', '>=3.9,<3.13', false],
    ['3.8.10', '>=3.9,<3.13', false],
    ['3.12.1', '>= 3.9, < 3.13', true],
    ['3.11.9', '!=3.11.*', false],
    ['3.12.0', '!=3.11.*', true],
    ['3.11.9', '==3.11.*', true],
    ['3.12.0', '==3.11.*', false],
    ['3.11.4', '==3.11.4', true],
    ['3.11.5', '==3.11.4', false],
    // A release candidate comes before its release.
    ['3.13.0rc2', '>=3.13', false],
  ];
  for (const [version, spec, expected] of cases) {
    assert.equal(satisfies(version, spec), expected, `${version} ${spec}`);
  }
});

test('satisfies: no specifier, or one that is not PEP 440, is not held against the project', () => {
  assert.equal(satisfies('3.11.2', undefined), true);
  assert.equal(satisfies('3.11.2', ''), true);
  // Poetry's caret is turned into PEP 440 before it gets here; as written it cannot be judged.
  assert.equal(satisfies('3.11.2', '^3.12'), true);
  assert.equal(satisfies('unknown', '>=3.12'), true);
});
