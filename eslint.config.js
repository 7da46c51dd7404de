// Lint rules that carry the architecture: which folder may import which is checked here, so the
// workflow sandbox boundary and the API/activity split hold without anyone remembering them.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['node_modules/**', '.venv/**', '.data/**', 'dist/**', 'web/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O, nothing
    // outside @temporalio/workflow, the pure domain and types.
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins,
          patterns: [
            {
              group: ['**/activities/**', '**/db/**', '**/linkedin/**', '**/api/**', '**/runtime/**', '**/config/**', '**/temporal/**'],
              allowTypeImports: true,
              message: 'workflows/ imports only @temporalio/workflow, domain/ and types (activity interfaces as `import type`)',
            },
            { group: ['@temporalio/client', '@temporalio/worker', '@temporalio/activity', 'pino', 'pg', 'kysely', 'fastify'], message: 'not allowed in the workflow sandbox' },
          ],
        },
      ],
    },
  },
  {
    // The domain is pure: the workflows import it, so it must stay sandbox-safe too.
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins,
          patterns: [{ group: ['**/activities/**', '**/db/**', '**/linkedin/**', '**/api/**', '**/runtime/**', '**/temporal/**', '**/workflows/**', '@temporalio/*', 'pino', 'pg', 'kysely', 'fastify', 'luxon'], message: 'domain/ is pure and sandbox-safe' }],
        },
      ],
    },
  },
  {
    // Tests next to pure code may use node's test runner and assert.
    files: ['src/**/*.test.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['src/api/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/activities/**', '**/linkedin/unipile*', '**/linkedin/sandbox/**'], message: 'api/ talks to Temporal through temporal/, never to activities or the Unipile client' }] },
      ],
    },
  },
  {
    files: ['src/db/migrations/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['../../**', '../*'], message: 'migrations are frozen and import nothing from src/' }] }],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', '**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }] },
      ],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
  prettier,
);
