import { loadConfig, type Config } from '../../platform/config';
import { createDb, type Db } from '../../platform/db';

let cached: Config | undefined;

/**
 * The configuration of the stack the integration tests run against. Tests sign staff in with a password
 * alone, so no role must have a second factor here unless the environment says so;
 * test/control-plane/second-factor.test.ts turns the requirement on for itself.
 */
export function testConfig(): Config {
  cached ??= loadConfig({
    ...process.env,
    POSTWERK_LOG_LEVEL: process.env.POSTWERK_LOG_LEVEL ?? 'silent',
    POSTWERK_2FA_REQUIRED_ROLES: process.env.POSTWERK_2FA_REQUIRED_ROLES ?? 'none',
  });
  return cached;
}

/** A knex handle on the shared test database; destroy it in afterAll. */
export function testDb(): Db {
  return createDb(testConfig());
}

/** A short random suffix that keeps names of parallel test files apart. */
export function uniq(prefix = 't'): string {
  return `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
}
