import type { Knex } from 'knex';

/**
 * Directory provisioning (issue 16, directory/): one LDAP/AD connection per tenant, with its bind
 * password sealed (platform/secrets.ts), and the link of each directory entry (by its stable id,
 * entryUUID or objectGUID) to the account it provisioned, so that a rename in the directory is a rename
 * here. Schema only.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('directory_connections', (t) => {
    t.string('tenant_id', 36).primary().references('tenants.id').onDelete('CASCADE');
    t.string('url', 500).notNullable();
    t.integer('start_tls').notNullable().defaultTo(0);
    t.text('ca_pem').nullable();
    t.string('bind_dn', 1000).notNullable();
    t.text('bind_password_sealed').notNullable();
    t.string('base_dn', 1000).notNullable();
    t.string('user_filter', 1000).notNullable();
    t.string('group_dn', 1000).nullable();
    t.string('group_mode', 16).notNullable().defaultTo('expand'); // expand | in-chain
    t.string('mail_attribute', 64).notNullable();
    t.string('name_attribute', 64).notNullable();
    t.string('alias_attribute', 64).nullable();
    t.string('id_attribute', 64).notNullable();
    t.string('login_attribute', 64).notNullable();
    t.string('enabled_mode', 16).notNullable().defaultTo('always'); // always | ad | attribute
    t.string('enabled_attribute', 64).nullable();
    t.string('disabled_values', 1000).nullable(); // JSON array
    t.bigInteger('default_allocation_bytes').nullable();
    t.integer('sign_in').notNullable().defaultTo(0);
    t.integer('sync_every_minutes').nullable();
    t.string('last_sync_at', 32).nullable();
    t.string('last_sync_status', 32).nullable();
    t.text('last_sync_result').nullable();
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
  });
  await knex.schema.createTable('directory_entries', (t) => {
    t.string('tenant_id', 36).notNullable().references('tenants.id').onDelete('CASCADE');
    t.string('stable_id', 200).notNullable();
    t.string('account_id', 36).notNullable().unique().references('accounts.id').onDelete('CASCADE');
    t.string('dn', 1000).notNullable();
    t.string('synced_at', 32).notNullable();
    t.primary(['tenant_id', 'stable_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('directory_entries');
  await knex.schema.dropTableIfExists('directory_connections');
}
