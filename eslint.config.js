// Lint: typescript-eslint's recommended rules over the sources, tests, benchmarks and examples.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['build/', 'build-copy-*/', 'build-steps-*/', 'node_modules/', 'scratch/', '.cache/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setImmediate: 'readonly',
        setInterval: 'readonly', clearInterval: 'readonly', performance: 'readonly', URL: 'readonly', fetch: 'readonly',
        WeakRef: 'readonly', globalThis: 'readonly', Buffer: 'readonly',
      },
    },
    rules: {
      // Probe targets are any function: `Function` is the honest type for them.
      '@typescript-eslint/no-unsafe-function-type': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Tests and fixtures throw non-Error values on purpose.
      'no-throw-literal': 'off',
      // Lines past 160 characters are unreadable side by side and in review; URLs are the one thing that cannot be broken.
      'max-len': ['error', { code: 160, ignoreUrls: true }],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __filename: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
