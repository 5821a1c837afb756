// Backup: per-tenant data keys, the body inventory of each tenant's store, the message index with validity
// intervals (first_seen / gone_at), per-folder sync state, passes, leases, restores and per-tenant settings.
// Schema only. Runs unchanged on SQLite and PostgreSQL (UIDs are unsigned 32-bit, hence bigInteger; MODSEQ
// is up to 63 bits, kept as text; times are ISO-8601 UTC text, which sorts as time).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('backup_keys', (t) => {
    // one data key per tenant, wrapped (sealed) by the platform key; a tenant's purge removes it (and with it
    // every backup of that tenant becomes unreadable, on purpose)
    t.string('tenant_id', 36).primary().references('id').inTable('tenants').onDelete('CASCADE');
    t.string('key_id', 16).notNullable();
    t.text('sealed_key').notNullable();
    t.string('created_at', 32).notNullable();
  });

  await knex.schema.createTable('backup_blobs', (t) => {
    // what the tenant's store holds: one row per distinct body (content-addressed by SHA-256 of the plaintext)
    t.string('tenant_id', 36).notNullable().references('id').inTable('tenants').onDelete('CASCADE');
    t.string('hash', 64).notNullable();
    t.bigInteger('size').notNullable();
    t.bigInteger('stored_bytes').notNullable();
    t.string('created_at', 32).notNullable();
    t.primary(['tenant_id', 'hash'], 'backup_blobs_pk');
  });

  await knex.schema.createTable('backup_folders', (t) => {
    // one row per folder incarnation (a folder deleted and re-created gets a new UIDVALIDITY, hence a new row);
    // no foreign key to accounts: backups outlive a purged account until retention removes them
    t.increments('id').primary();
    t.string('tenant_id', 36).notNullable().references('id').inTable('tenants').onDelete('CASCADE');
    t.string('account_id', 36).notNullable();
    t.string('name', 1000).notNullable();
    t.string('delimiter', 4).nullable();
    t.string('special_use', 32).nullable();
    t.bigInteger('uidvalidity').notNullable();
    t.bigInteger('uidnext').nullable();
    /** CONDSTORE marker of the last complete pass over this folder; null on servers without CONDSTORE */
    t.string('highest_modseq', 24).nullable();
    t.bigInteger('messages').notNullable().defaultTo(0);
    t.string('first_seen', 32).notNullable();
    t.string('gone_at', 32).nullable();
    t.string('synced_at', 32).nullable();
    t.unique(['account_id', 'name', 'uidvalidity'], { indexName: 'backup_folders_account_name_uq' });
    t.index(['account_id', 'gone_at'], 'backup_folders_account_idx');
  });

  await knex.schema.createTable('backup_messages', (t) => {
    // one row per (message, folder, flag state) interval: a message that stays put is one row for ever; a flag
    // change or a move closes the row (gone_at) and opens another
    t.bigIncrements('id').primary();
    t.string('tenant_id', 36).notNullable();
    t.string('account_id', 36).notNullable();
    t.integer('folder_id').unsigned().notNullable().references('id').inTable('backup_folders').onDelete('CASCADE');
    t.string('folder', 1000).notNullable();
    t.bigInteger('uidvalidity').notNullable();
    t.bigInteger('uid').notNullable();
    t.string('hash', 64).notNullable();
    t.bigInteger('size').notNullable();
    t.string('internal_date', 32).notNullable();
    /** JSON array of flags and keywords, sorted */
    t.text('flags').notNullable();
    t.string('modseq', 24).nullable();
    t.string('message_id', 998).nullable();
    t.text('subject').nullable();
    t.text('from_addr').nullable();
    t.text('to_addr').nullable();
    t.string('sent_at', 32).nullable();
    t.string('first_seen', 32).notNullable();
    t.string('gone_at', 32).nullable();
    /** why the interval closed: expunged (or moved away), flags (a new interval follows), folder (the folder went) */
    t.string('close_reason', 8).nullable();
    t.index(['folder_id', 'uid'], 'backup_messages_folder_uid_idx');
    t.index(['account_id', 'gone_at'], 'backup_messages_account_gone_idx');
    t.index(['tenant_id', 'first_seen'], 'backup_messages_tenant_seen_idx');
    t.index(['tenant_id', 'message_id'], 'backup_messages_tenant_msgid_idx');
    t.index(['tenant_id', 'hash'], 'backup_messages_tenant_hash_idx');
  });
  // at most one open interval per message: a rerun after a killed pass cannot index a message twice
  await knex.raw('CREATE UNIQUE INDEX backup_messages_open_uq ON backup_messages (folder_id, uid) WHERE gone_at IS NULL');

  await knex.schema.createTable('backup_passes', (t) => {
    t.string('id', 36).primary();
    t.string('tenant_id', 36).notNullable().references('id').inTable('tenants').onDelete('CASCADE');
    t.string('account_id', 36).notNullable();
    t.string('trigger', 16).notNullable(); // schedule | demand
    t.string('status', 16).notNullable(); // running | done | failed
    t.string('started_at', 32).notNullable();
    t.string('finished_at', 32).nullable();
    t.text('stats').nullable();
    t.text('error').nullable();
    t.index(['account_id', 'started_at'], 'backup_passes_account_idx');
    t.index(['tenant_id', 'started_at'], 'backup_passes_tenant_idx');
  });

  await knex.schema.createTable('backup_leases', (t) => {
    // one running pass per account, across every worker: a row held by `holder` until `expires_at`
    t.string('account_id', 36).primary();
    t.string('holder', 100).notNullable();
    t.string('expires_at', 32).notNullable();
    t.string('acquired_at', 32).notNullable();
  });

  await knex.schema.createTable('backup_restores', (t) => {
    t.string('id', 36).primary();
    t.string('tenant_id', 36).notNullable().references('id').inTable('tenants').onDelete('CASCADE');
    t.string('account_id', 36).notNullable();
    t.string('actor', 320).notNullable();
    t.text('reason').notNullable();
    t.string('scope', 16).notNullable(); // messages | folder | account
    t.text('request').notNullable();
    t.string('as_of', 32).notNullable();
    t.string('status', 16).notNullable(); // running | done | failed
    t.text('stats').nullable();
    t.string('created_at', 32).notNullable();
    t.string('finished_at', 32).nullable();
    t.index(['tenant_id', 'created_at'], 'backup_restores_tenant_idx');
  });

  await knex.schema.createTable('backup_settings', (t) => {
    t.string('tenant_id', 36).primary().references('id').inTable('tenants').onDelete('CASCADE');
    t.integer('every_minutes').notNullable();
    t.boolean('enabled').notNullable().defaultTo(true);
    t.string('updated_at', 32).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'backup_settings',
    'backup_restores',
    'backup_leases',
    'backup_passes',
    'backup_messages',
    'backup_folders',
    'backup_blobs',
    'backup_keys',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
