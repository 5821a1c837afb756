import type { Knex } from 'knex';

/**
 * `verdict_counters.verdict` was a varchar(24); `quarantine.blocked_sender` has 25 characters, so on
 * PostgreSQL counting a blocked sender failed (and, inside a pipeline stage's transaction, rolled the
 * stage back). SQLite does not enforce varchar lengths, so only PostgreSQL's column changes.
 */
export async function up(knex: Knex): Promise<void> {
  if (knex.client.config.client !== 'pg') return;
  await knex.raw('ALTER TABLE verdict_counters ALTER COLUMN verdict TYPE varchar(64)');
}

export async function down(knex: Knex): Promise<void> {
  if (knex.client.config.client !== 'pg') return;
  await knex.raw('ALTER TABLE verdict_counters ALTER COLUMN verdict TYPE varchar(24)');
}
