// Lint: typescript-eslint's recommended rules, Prettier for layout (npm run lint runs both), and
// the import rule that keeps the parts apart (DESIGN §1): only the engine (src/core) and the
// tooling around it (the trainer, the CLI, bench/, tests) may import TensorFlow or the engine;
// the engine and the shared code never import vscode or the extension host.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const tensorflow = { group: ['@tensorflow/*'], message: 'Only the engine (src/core) imports TensorFlow.' };
const engine = { group: ['**/core', '**/core/**', '!**/shared/**'], message: 'The engine (src/core) runs in the trainer and the CLI only.' };
const vscodeApi = { name: 'vscode', message: 'Only the extension host (src/host) imports vscode.' };
const host = { group: ['**/host', '**/host/**'], message: 'Only the extension host imports the extension host.' };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.vscode-test/**', 'test-output/**', 'test/fixtures/**', 'bench/.tmp-*'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-empty': ['error', { allowEmptyCatch: true }],
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  { files: ['src/host/**/*.ts', 'webview/**/*.ts'], rules: { 'no-restricted-imports': ['error', { paths: [], patterns: [tensorflow, engine] }] } },
  { files: ['src/shared/**/*.ts'], rules: { 'no-restricted-imports': ['error', { paths: [vscodeApi], patterns: [tensorflow, engine, host] }] } },
  // The study pool spawns trainers; it never trains, so it imports neither TensorFlow nor the engine.
  { files: ['src/study/**/*.ts'], rules: { 'no-restricted-imports': ['error', { paths: [vscodeApi], patterns: [tensorflow, engine, host] }] } },
  { files: ['src/core/**/*.ts', 'src/trainer/**/*.ts', 'src/cli/**/*.ts'], rules: { 'no-restricted-imports': ['error', { paths: [vscodeApi], patterns: [host] }] } },
  { files: ['webview/**/*.ts'], rules: { 'no-restricted-imports': ['error', { paths: [vscodeApi], patterns: [tensorflow, engine, host] }] } },
);
