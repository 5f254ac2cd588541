// One lint config for every project; `nx lint <project>` runs it on that project's folder.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.nx/**', '**/vendor/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // Browser code of the page (plain JS served as is).
    files: ['apps/frontend/src/public/**/*.js'],
    languageOptions: { globals: { ...globals.browser, io: 'readonly', Chart: 'readonly' } },
  },
  {
    // Apps never import each other: shared code goes through a lib.
    files: ['apps/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/apps/*', '../../*/src/*'], message: 'Apps must not import each other; move shared code to a lib.' }] }],
    },
  },
);
