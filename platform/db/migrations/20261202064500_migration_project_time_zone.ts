import type { Knex } from 'knex';

/**
 * A migration project's time zone (IANA name): the portal shows and takes the cut-over time in it, so
 * an engineer in Lisbon and a customer in Berlin read the same wall time. Existing projects get UTC.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('migration_projects', (t) => {
    t.string('time_zone', 64).notNullable().defaultTo('UTC');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('migration_projects', (t) => {
    t.dropColumn('time_zone');
  });
}
