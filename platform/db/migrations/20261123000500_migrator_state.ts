// Migrator state: per-folder sync markers and the per-message UID map with content hashes.
// Schema only, no data. Runs unchanged on SQLite and PostgreSQL (UIDs are unsigned 32-bit,
// hence bigInteger; MODSEQ is up to 63 bits, kept as text).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  if (!(await knex.schema.hasTable('migration_folders'))) {
    await knex.schema.createTable('migration_folders', (t) => {
      t.increments('id').primary();
      t.string('migration_id', 200).notNullable();
      t.string('account_key', 600).notNullable();
      t.string('source_path', 1000).notNullable();
      t.string('dest_path', 1000).notNullable();
      t.bigInteger('source_uidvalidity').nullable();
      t.bigInteger('source_uidnext').nullable();
      t.string('source_highestmodseq', 24).nullable();
      t.bigInteger('dest_uidvalidity').nullable();
      t.timestamp('updated_at').notNullable().defaultTo(knex.fn.now());
      t.unique(['account_key', 'source_path'], { indexName: 'migration_folders_account_source_uq' });
      t.index(['migration_id'], 'migration_folders_migration_idx');
    });
  }
  if (!(await knex.schema.hasTable('migration_messages'))) {
    await knex.schema.createTable('migration_messages', (t) => {
      t.integer('folder_id').unsigned().notNullable().references('id').inTable('migration_folders').onDelete('CASCADE');
      t.bigInteger('source_uidvalidity').notNullable();
      t.bigInteger('source_uid').notNullable();
      t.bigInteger('dest_uid').nullable();
      t.string('sha256', 64).nullable();
      t.bigInteger('size').notNullable();
      t.text('flags').notNullable();
      // copied | present (found on the destination by hash) | skipped (size cap, APPENDLIMIT)
      t.string('status', 16).notNullable();
      t.string('reason', 200).nullable();
      t.primary(['folder_id', 'source_uidvalidity', 'source_uid'], 'migration_messages_pk');
      t.index(['folder_id', 'sha256'], 'migration_messages_folder_hash_idx');
    });
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('migration_messages');
  await knex.schema.dropTableIfExists('migration_folders');
}
