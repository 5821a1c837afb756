// Lint: typescript-eslint's recommended rules, plus the architecture's dependency directions:
// platform ← tenancy ← quotas ← migrator/filters/backup ← migration-projects ← control-plane ← portal. A module never imports one
// beside it or above it; only control-plane (the composition root) knows every part.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layer = (folder, forbidden) => ({
  files: [`${folder}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: forbidden.map((f) => ({
          group: [`**/${f}/*`, `**/${f}`],
          message: `${folder}/ may not import ${f}/ (dependencies point platform ← tenancy ← quotas ← migrator/filters/backup ← control-plane ← portal)`,
        })),
      },
    ],
  },
});

export default tseslint.config(
  { ignores: ['node_modules/**', '.postwerk*/**', '.stack-cache/**', 'coverage/**', 'dist/**', 'build/**', 'build.*/**', 'portal/public/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly' },
    },
  },
  layer('platform', ['tenancy', 'quotas', 'migrator', 'filters', 'backup', 'control-plane', 'portal']),
  layer('tenancy', ['quotas', 'migrator', 'filters', 'backup', 'control-plane', 'portal']),
  layer('quotas', ['migrator', 'filters', 'backup', 'control-plane', 'portal']),
  layer('migrator', ['filters', 'backup', 'migration-projects', 'control-plane', 'portal']),
  layer('filters', ['migrator', 'backup', 'migration-projects', 'control-plane', 'portal']),
  layer('backup', ['migrator', 'filters', 'migration-projects', 'control-plane', 'portal']),
  // migration projects run the migrator for tenants: above migrator/, below the composition root
  layer('migration-projects', ['filters', 'backup', 'control-plane', 'portal']),
  layer('control-plane', ['portal']),
);
