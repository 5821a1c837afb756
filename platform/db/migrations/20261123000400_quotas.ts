import type { Knex } from 'knex';

/**
 * Quotas (quotas/): usage collected from Dovecot, its history, warning state and notifications, and
 * the tenant's webhook for quota events. Schema only; conventions of 20261123000100_core.ts (text ids,
 * ISO-8601 UTC text times, bigint bytes).
 */
export async function up(knex: Knex): Promise<void> {
  // The latest figures per account (one row each) plus its warning state: the threshold (0, 80, 95,
  // 100) of the last raised warning, lowered again when usage falls back below it.
  await knex.schema.createTable('quota_usage', (t) => {
    t.string('account_id', 36).primary().references('id').inTable('accounts').onDelete('CASCADE');
    t.string('tenant_id', 36).notNullable().references('id').inTable('tenants');
    t.bigInteger('used_bytes').notNullable().defaultTo(0);
    t.bigInteger('used_messages').notNullable().defaultTo(0);
    t.string('collected_at', 32).notNullable();
    t.integer('warning_level').notNullable().defaultTo(0);
    t.index(['tenant_id']);
  });

  // History for charts and forecasts: one row per account and collection.
  await knex.schema.createTable('quota_usage_samples', (t) => {
    t.bigIncrements('id').primary();
    t.string('account_id', 36).notNullable().references('id').inTable('accounts').onDelete('CASCADE');
    t.string('tenant_id', 36).notNullable().references('id').inTable('tenants');
    t.string('at', 32).notNullable();
    t.bigInteger('used_bytes').notNullable();
    t.bigInteger('used_messages').notNullable();
    t.index(['account_id', 'at']);
    t.index(['tenant_id', 'at']);
    t.index(['at']);
  });

  // What the portal lists: one row per raised warning (and any later quota event).
  await knex.schema.createTable('quota_notifications', (t) => {
    t.bigIncrements('id').primary(); // in creation order: the portal pages newest first by id
    t.string('tenant_id', 36).notNullable().references('id').inTable('tenants');
    t.string('account_id', 36).nullable().references('id').inTable('accounts').onDelete('SET NULL');
    t.string('address', 320).notNullable().defaultTo('');
    t.string('event', 40).notNullable(); // quota.warning
    t.integer('threshold').notNullable();
    t.bigInteger('used_bytes').notNullable();
    t.bigInteger('allocation_bytes').notNullable();
    t.string('created_at', 32).notNullable();
    // none (no webhook configured) | pending | sent | failed
    t.string('webhook_status', 16).notNullable().defaultTo('none');
    t.integer('webhook_attempts').notNullable().defaultTo(0);
    t.string('webhook_error', 300).nullable();
    t.index(['tenant_id', 'created_at']);
  });

  // Per-tenant quota settings. A table of its own rather than a column on tenants: altering tenants on
  // SQLite means rebuilding it under the mail_users view Dovecot reads.
  await knex.schema.createTable('quota_settings', (t) => {
    t.string('tenant_id', 36).primary().references('id').inTable('tenants').onDelete('CASCADE');
    t.string('webhook_url', 2000).nullable();
    t.string('updated_at', 32).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('quota_settings');
  await knex.schema.dropTableIfExists('quota_notifications');
  await knex.schema.dropTableIfExists('quota_usage_samples');
  await knex.schema.dropTableIfExists('quota_usage');
}
