import type { Knex } from 'knex';

/**
 * API tokens belong to the staff user who created them (issue 12, item 6): `created_by` holds that
 * user's id, and the creator's label (an e-mail address, `token:<name>`, `cli:<user>`), which it held
 * until now, moves to `created_by_label`. A label longer than 36 characters no longer fails the insert
 * on PostgreSQL (the column is a varchar(36)). Schema only; the rows are converted by the next migration.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('api_tokens', (t) => {
    t.string('created_by_label', 400).nullable();
    t.index(['created_by'], 'api_tokens_created_by_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('api_tokens', (t) => {
    t.dropIndex(['created_by'], 'api_tokens_created_by_idx');
    t.dropColumn('created_by_label');
  });
}
