import type { Knex } from 'knex';

/**
 * Outbound mail (filters/outbound): what submission accepted, its state and the outcome per recipient,
 * the DKIM keys per domain, the sending settings per tenant, accounts whose sending is suspended, and
 * the notifications of holds. Schema only, conventions of 20261123000100_core.
 *
 * The outbound spool (<spool>/outbound) is the truth about a message's bytes and envelope, as for inbound.
 *
 * outbound_messages.status:
 *   queued    accepted, waiting for the worker (or for a retry)
 *   held      kept back (hold_reason: rate_limit | spam | virus | suspended) until released or deleted
 *   done      every recipient final (sent or failed)
 *   deleted   deleted while held or deferred (by a tenant admin or an operator)
 * outbound_recipients.status: pending | sending | deferred | sent | failed
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('outbound_messages', (t) => {
    t.string('queue_id', 40).primary();
    t.string('tenant_id', 36).notNullable();
    t.string('account_id', 36).notNullable();
    t.string('username', 320).notNullable(); // the authenticated account's address
    t.string('mail_from', 320).notNullable();
    t.string('message_id', 998).nullable();
    t.bigInteger('size_bytes').notNullable();
    t.string('status', 16).notNullable().defaultTo('queued');
    t.string('hold_reason', 16).nullable();
    t.text('hold_detail').nullable();
    t.string('released_by', 320).nullable();
    t.string('released_at', 32).nullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error').nullable();
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
    t.index(['tenant_id', 'status', 'created_at']);
    t.index(['status', 'created_at']);
  });

  await knex.schema.createTable('outbound_recipients', (t) => {
    t.string('queue_id', 40).notNullable().references('queue_id').inTable('outbound_messages').onDelete('CASCADE');
    t.string('recipient', 320).notNullable();
    t.string('route', 8).notNullable(); // local (a platform domain: the inbound path) | remote
    t.string('status', 16).notNullable().defaultTo('pending');
    t.integer('attempts').notNullable().defaultTo(0);
    t.integer('last_code').nullable();
    t.text('last_error').nullable();
    t.string('updated_at', 32).notNullable();
    t.primary(['queue_id', 'recipient']);
  });

  await knex.schema.createTable('dkim_keys', (t) => {
    t.string('id', 36).primary();
    t.string('tenant_id', 36).notNullable();
    t.string('domain_id', 36).notNullable();
    t.string('domain', 253).notNullable();
    t.string('selector', 63).notNullable();
    t.text('private_key').notNullable(); // sealed (platform/secrets.ts), context dkim_keys:<id>
    t.text('public_key').notNullable(); // base64 SubjectPublicKeyInfo, as the DNS record carries it
    t.string('status', 16).notNullable(); // active | retired
    t.string('created_at', 32).notNullable();
    t.string('retired_at', 32).nullable();
    t.unique(['domain', 'selector']);
    t.index(['domain_id', 'status']);
  });

  await knex.schema.createTable('outbound_settings', (t) => {
    t.string('tenant_id', 36).primary();
    t.integer('account_limit').nullable(); // null: the platform's default
    t.integer('tenant_limit').nullable();
    t.integer('auto_suspend').notNullable().defaultTo(0); // 1: an account that is held for rate or spam stops sending
    t.string('updated_at', 32).notNullable();
  });

  await knex.schema.createTable('outbound_suspensions', (t) => {
    t.string('account_id', 36).primary();
    t.string('tenant_id', 36).notNullable();
    t.string('reason', 16).notNullable(); // rate_limit | spam | virus
    t.string('queue_id', 40).nullable(); // the message that caused it
    t.string('created_at', 32).notNullable();
    t.index(['tenant_id']);
  });

  await knex.schema.createTable('outbound_notifications', (t) => {
    t.bigIncrements('id').primary();
    t.string('tenant_id', 36).notNullable();
    t.string('account_id', 36).nullable();
    t.string('event', 40).notNullable(); // outbound.held | outbound.suspended
    t.string('queue_id', 40).nullable();
    t.text('detail').notNullable(); // JSON
    t.string('created_at', 32).notNullable();
    t.index(['tenant_id', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const t of [
    'outbound_notifications',
    'outbound_suspensions',
    'outbound_settings',
    'dkim_keys',
    'outbound_recipients',
    'outbound_messages',
  ]) {
    await knex.schema.dropTableIfExists(t);
  }
}
