import { loadConfig } from '../../platform/config';
import { createDb, migrateLatest } from '../../platform/db';

/**
 * Integration tests run against the stack that stack/test.sh started (its POSTWERK_* variables are in
 * the environment). The database Dovecot reads is migrated once here; tests then share it and keep out
 * of each other's way by creating their own tenants and domains (test/support/fixtures.ts).
 */
export default async function globalSetup(): Promise<void> {
  if (!process.env.POSTWERK_IMAP_PORT) {
    throw new Error('integration tests need a running stack: run them with `npm test` (stack/test.sh), not jest directly');
  }
  const db = createDb(loadConfig());
  try {
    await migrateLatest(db);
  } finally {
    await db.destroy();
  }
}
