// Migrator state: what a folder held on both sides when its last pass ended, so that a delta over an
// unchanged folder needs no listing (migrator/README.md, "Scale"). Nullable: unknown means "list it".
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  if (!(await knex.schema.hasColumn('migration_folders', 'source_messages'))) {
    await knex.schema.alterTable('migration_folders', (t) => {
      t.bigInteger('source_messages').nullable();
      t.bigInteger('dest_uidnext').nullable();
      t.bigInteger('dest_messages').nullable();
    });
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('migration_folders', (t) => {
    t.dropColumn('source_messages');
    t.dropColumn('dest_uidnext');
    t.dropColumn('dest_messages');
  });
}
