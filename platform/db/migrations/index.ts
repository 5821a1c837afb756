import type { Knex } from 'knex';
import fs from 'node:fs';
import path from 'node:path';

/**
 * One migration timeline for every module and both databases. Files are `<timestamp>_<what>.ts` in this
 * folder, applied in name order; each exports up(knex) and down(knex) that run unchanged on SQLite and
 * PostgreSQL. Listing the folder (rather than knex's file loader) works the same under tsx, jest and node.
 */
// .ts in the sources, .js in the compiled build (build/, stack/build.js)
const MIGRATION_FILE = /^\d{14}_[a-z0-9_]+\.(ts|js)$/;

interface MigrationModule {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
  /** Set to false for a migration that must not run inside a transaction (PostgreSQL CREATE INDEX CONCURRENTLY). */
  config?: { transaction?: boolean };
}

export function migrationNames(): string[] {
  return fs
    .readdirSync(__dirname)
    .filter((f) => MIGRATION_FILE.test(f))
    .sort()
    .map((f) => f.replace(/\.(ts|js)$/, ''));
}

export const migrationSource: Knex.MigrationSource<string> = {
  async getMigrations() {
    return migrationNames();
  },
  getMigrationName(name) {
    return name;
  },
  async getMigration(name) {
    return require(path.join(__dirname, name)) as MigrationModule;
  },
};
