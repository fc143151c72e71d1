import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The node modules that act on the machine, with or without their node: prefix.
const MACHINE_MODULES = '(node:)?(fs|fs\\/promises|child_process|net|http|https|sqlite)';

export default tseslint.config(
  { ignores: ['node_modules/', 'testbed/image/files/', 'test/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  // The layering: only src/host/ touches the machine (files, processes, sockets, databases); the rest
  // takes what it needs from there. A type from these modules is no effect, so type imports pass.
  {
    files: ['src/**/*.ts'],
    ignores: [
      'src/host/**',
      // node:sqlite is the store itself, its schema migrations beside it.
      'src/store/**',
      // medic's own package.json, for --version.
      'src/cli/main.ts',
      // medic.yaml looked for at its default paths before any command runs.
      'src/config/medic-yaml.ts',
      // the log a user names with --log (or pipes on stdin), streamed line by line.
      'src/diagnose/offline.ts',
      'src/logs/lines.ts',
    ],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^${MACHINE_MODULES}$`,
              allowTypeImports: true,
              message: 'Only src/host/ touches the machine: add or use a function there.',
            },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: `ImportExpression[source.value=/^${MACHINE_MODULES}$/]`,
          message: 'Only src/host/ touches the machine: add or use a function there.',
        },
      ],
    },
  },
);
