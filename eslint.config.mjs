// Lint: typescript-eslint's recommended rules, plus the architecture's dependency directions:
// platform ← tenancy ← quotas ← migrator/filters/backup/operability ← migration-projects ← control-plane ← portal. A module never imports one
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

// Repositories hold the SQL: knex (its values and its types) may be imported only by repositories, by
// platform/db (the connection, transactions, pagination and the schema migrations) and by test support.
// Everything else names a handle by platform/db's `Db` and `Trx` types, so a use case that reaches for
// knex fails lint. migrator/state is the migrator's state store (its repository, named so before the
// skeleton); control-plane/migrations is on its way to migration-projects/ on another branch.
const knexOnlyInRepositories = {
  files: ['**/*.ts'],
  ignores: [
    '**/repositories/**',
    '**/repository.ts',
    'platform/db/**',
    'test/support/**',
    'migrator/state/**',
    'control-plane/migrations/**',
    'migration-projects/**',
  ],
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        paths: [
          {
            name: 'knex',
            message: 'SQL lives in repositories/ (a use case or adapter asks a repository; types: Db and Trx from platform/db)',
          },
        ],
      },
    ],
  },
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      '.postwerk*/**',
      '.stack-cache/**',
      'coverage/**',
      'dist/**',
      'build/**',
      'build.*/**',
      'portal/dist/**',
      'portal/src/api/schema.d.ts',
      'test-artifacts/**',
    ],
  },
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
  layer('platform', ['tenancy', 'quotas', 'directory', 'migrator', 'filters', 'backup', 'control-plane', 'operability', 'portal']),
  layer('tenancy', ['quotas', 'directory', 'migrator', 'filters', 'backup', 'control-plane', 'operability', 'portal']),
  layer('quotas', ['directory', 'migrator', 'filters', 'backup', 'control-plane', 'operability', 'portal']),
  layer('migrator', ['filters', 'backup', 'operability', 'migration-projects', 'control-plane', 'portal', 'directory']),
  layer('filters', ['migrator', 'backup', 'operability', 'migration-projects', 'control-plane', 'portal', 'directory']),
  layer('backup', ['migrator', 'filters', 'operability', 'migration-projects', 'control-plane', 'portal', 'directory']),
  // operability/ (probes, SLA, incidents) measures the platform from a user's side: over tenancy and quotas, beside filters and backup
  layer('operability', ['migrator', 'filters', 'backup', 'migration-projects', 'control-plane', 'portal', 'directory']),
  // migration projects run the migrator for tenants: above migrator/, below the composition root
  layer('migration-projects', ['filters', 'backup', 'directory', 'operability', 'control-plane', 'portal']),
  // the directory provisions accounts from a tenant's LDAP/AD: above quotas/, beside migrator/filters/backup
  layer('directory', ['migrator', 'filters', 'backup', 'migration-projects', 'operability', 'control-plane', 'portal']),
  layer('control-plane', ['portal']),
  knexOnlyInRepositories,
);
