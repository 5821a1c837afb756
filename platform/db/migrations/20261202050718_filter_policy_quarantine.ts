import type { Knex } from 'knex';

/**
 * Inbound mail filters, the tenant's side (filters/policy, filters/quarantine): the filter policy,
 * the allow and block lists of senders, and the quarantine's index of held messages (the messages
 * themselves are encrypted files, see filters/quarantine/store). Schema only; conventions of
 * 20261123000100_core (text ids, ISO-8601 UTC text times, bigint bytes, JSON as text).
 */
export async function up(knex: Knex): Promise<void> {
  // One row per tenant that set a policy of its own; a tenant without one gets the defaults
  // (filters/policy/policy.ts), so changing the defaults changes them for every such tenant.
  await knex.schema.createTable('filter_policies', (t) => {
    t.string('tenant_id', 36).primary().references('id').inTable('tenants').onDelete('CASCADE');
    t.text('bands').notNullable(); // JSON [{minScore, action}], ascending
    t.text('release_policy').notNullable(); // JSON {spam, blocked_sender, virus}: 'tenant_admin' | 'operator'
    t.integer('quarantine_days').notNullable();
    t.string('updated_at', 32).notNullable();
  });

  await knex.schema.createTable('filter_sender_lists', (t) => {
    t.string('id', 36).primary();
    t.string('tenant_id', 36).notNullable().references('id').inTable('tenants').onDelete('CASCADE');
    t.string('list', 8).notNullable(); // allow | block
    t.string('pattern', 254).notNullable(); // user@example.com | example.com | *.example.com (normalized)
    t.string('note', 200).notNullable().defaultTo('');
    t.string('created_at', 32).notNullable();
    t.unique(['tenant_id', 'list', 'pattern']);
  });

  await knex.schema.createTable('quarantine_messages', (t) => {
    t.string('id', 36).primary();
    t.string('tenant_id', 36).notNullable().references('id').inTable('tenants').onDelete('CASCADE');
    // a purged account leaves its quarantined mail to expire; the recipient address stays
    t.string('account_id', 36).nullable().references('id').inTable('accounts').onDelete('SET NULL');
    t.string('recipient', 320).notNullable();
    t.string('sender', 320).notNullable(); // envelope MAIL FROM ('' for the null sender)
    t.string('header_from', 998).notNullable().defaultTo('');
    t.text('subject').notNullable();
    t.string('message_id', 998).notNullable().defaultTo('');
    t.string('reason', 16).notNullable(); // virus | spam | blocked_sender
    t.text('detail').notNullable(); // the signature, the score and symbols, the block list entry
    t.text('av_verdict').notNullable(); // JSON AntivirusVerdict
    t.text('spam_verdict').notNullable(); // JSON SpamVerdict
    t.float('spam_score').nullable();
    t.bigInteger('size_bytes').notNullable();
    t.string('queue_id', 64).notNullable();
    t.string('file', 200).notNullable(); // relative to the quarantine folder
    t.string('key_id', 8).notNullable(); // which platform key sealed the file
    t.string('created_at', 32).notNullable();
    t.string('expires_at', 32).notNullable();
    // held | releasing | released
    t.string('status', 16).notNullable().defaultTo('held');
    t.string('status_at', 32).notNullable();
    t.string('released_by', 320).nullable();
    // keyset paging in arrival order: created_at|id is unique and sorts like created_at
    t.string('list_key', 80).notNullable();
    // a retried pipeline job quarantines a message for a recipient once
    t.unique(['queue_id', 'recipient']);
    t.index(['tenant_id', 'list_key']);
    t.index(['expires_at']);
    t.index(['tenant_id', 'message_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('quarantine_messages');
  await knex.schema.dropTableIfExists('filter_sender_lists');
  await knex.schema.dropTableIfExists('filter_policies');
}
