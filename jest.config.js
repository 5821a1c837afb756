// Two projects: unit tests sit beside the code and fake their boundaries;
// integration tests under test/ run against the real stack started by stack/test.sh.
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] };
module.exports = {
  projects: [
    {
      displayName: 'unit',
      transform,
      testEnvironment: 'node',
      roots: ['<rootDir>/platform', '<rootDir>/control-plane', '<rootDir>/quotas', '<rootDir>/migrator', '<rootDir>/filters', '<rootDir>/backup', '<rootDir>/portal'],
      testMatch: ['**/*.test.ts'],
    },
    {
      displayName: 'integration',
      transform,
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/jest-setup.ts'],
    },
  ],
};
