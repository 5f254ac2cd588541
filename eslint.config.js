// One lint config for every project; `nx lint <project>` runs it on that project's folder.
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/**
 * Who may import whom, by project tags (project.json). Types: apps are thin wiring over libs;
 * libs never reach up; tools (manifests, local stack, simulator) may use any lib; test support
 * only in tests. Scopes: each app sees the shared libs and its own, never another app's.
 */
export const DEP_CONSTRAINTS = [
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib', 'type:tool'] },
  { sourceTag: 'type:test-support', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:worker', onlyDependOnLibsWithTags: ['scope:shared', 'scope:worker'] },
  { sourceTag: 'scope:frontend', onlyDependOnLibsWithTags: ['scope:shared', 'scope:frontend'] },
  { sourceTag: 'scope:watcher', onlyDependOnLibsWithTags: ['scope:shared', 'scope:watcher'] },
  { sourceTag: 'scope:testing', onlyDependOnLibsWithTags: ['*'] },
  { sourceTag: 'scope:tools', onlyDependOnLibsWithTags: ['*'] },
];

/** Tests may also use the test support lib, whatever their project's type and scope. */
const TEST_DEP_CONSTRAINTS = DEP_CONSTRAINTS.map((c) => ({
  ...c,
  onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, 'type:test-support', 'scope:testing'],
}));

const boundaries = (depConstraints) => ['error', { allow: [], enforceBuildableLibDependency: false, depConstraints }];
const TEST_FILES = ['**/*.test.ts', '**/test/**/*.ts'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.nx/**', '**/vendor/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { plugins: { '@nx': nx } },
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  // Product code states what it knows instead of asserting it (noUncheckedIndexedAccess is on).
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': boundaries(DEP_CONSTRAINTS),
      '@typescript-eslint/no-non-null-assertion': 'error',
    },
  },
  {
    files: TEST_FILES,
    rules: {
      '@nx/enforce-module-boundaries': boundaries(TEST_DEP_CONSTRAINTS),
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Browser code of the page (plain JS served as is).
    files: ['apps/frontend/src/public/**/*.js'],
    languageOptions: { globals: { ...globals.browser, io: 'readonly', Chart: 'readonly' } },
  },
  // Formatting is Prettier's (`prettier --check` in every lint target), not ESLint's.
  prettier,
);
