// Two projects: unit tests sit beside the code and fake their boundaries;
// integration tests under test/ run against the real stack started by stack/test.sh.
const fs = require('node:fs');
const path = require('node:path');

// The PostgreSQL run (stack/test.sh sets POSTWERK_DB_CLIENT=postgres) repeats only the tests whose outcome
// can depend on the database. These folders exercise IMAP engines, the browser and the stack itself, and
// use the database only as any other test does: running them twice would double their cost for nothing.
const DATABASE_INDEPENDENT = ['<rootDir>/test/migrator/', '<rootDir>/test/portal/', '<rootDir>/test/stack/'];
const onPostgres = process.env.POSTWERK_DB_CLIENT === 'postgres';
// The two-node failover test is about PostgreSQL (the shared system of record of several machines):
// the PostgreSQL run includes it, the SQLite run does not (SQLite is one machine's file).
const POSTGRES_ONLY = ['<rootDir>/test/operability/failover.test.ts'];

const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] };
module.exports = {
  projects: [
    {
      displayName: 'unit',
      transform,
      testEnvironment: 'node',
      // Module folders that have no code yet (filters, backup) do not exist in a clone: skip them.
      roots: [
        'platform',
        'tenancy',
        'control-plane',
        'quotas',
        'migrator',
        'migration-projects',
        'filters',
        'backup',
        'directory',
        'operability',
        'portal',
      ]
        .filter((dir) => fs.existsSync(path.join(__dirname, dir)))
        .map((dir) => `<rootDir>/${dir}`),
      testMatch: ['**/*.test.ts'],
    },
    {
      displayName: 'integration',
      transform,
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...(onPostgres ? DATABASE_INDEPENDENT : POSTGRES_ONLY)],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/jest-setup.ts'],
    },
  ],
};
