import type { Knex } from 'knex';

/**
 * One address namespace for the whole platform: every account address and every alias address has a
 * row here, so a unique key (not a check-then-insert that two transactions could both pass) keeps an
 * alias from taking an account's address and the other way round. The row stays while an account is in
 * its deletion grace period, so nobody can take a deleted address until the mailbox is purged.
 * Also account_deletions: the pending deletions (the status to restore, who asked).
 * Conventions of 20261123000100_core.ts apply.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('mail_addresses', (t) => {
    t.string('address', 320).primary();
    t.string('tenant_id', 36).notNullable().references('id').inTable('tenants');
    t.string('kind', 16).notNullable(); // account | alias
    // the account's or the alias' id
    t.string('owner_id', 36).notNullable();
    t.string('created_at', 32).notNullable();
    t.index(['owner_id']);
  });
  // data: rows written before this migration (fixtures, earlier installs)
  const now = new Date().toISOString();
  await knex.raw(
    `INSERT INTO mail_addresses (address, tenant_id, kind, owner_id, created_at)
     SELECT address, tenant_id, 'account', id, ? FROM accounts`,
    [now],
  );
  await knex.raw(
    `INSERT INTO mail_addresses (address, tenant_id, kind, owner_id, created_at)
     SELECT al.address, al.tenant_id, 'alias', al.id, ? FROM aliases al
      WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.address = al.address)`,
    [now],
  );

  // An account in its deletion grace period: what it was before (restore returns it there) and who asked.
  await knex.schema.createTable('account_deletions', (t) => {
    t.string('account_id', 36).primary().references('id').inTable('accounts').onDelete('CASCADE');
    t.string('previous_status', 16).notNullable();
    t.string('requested_at', 32).notNullable();
    t.string('requested_by', 320).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('account_deletions');
  await knex.schema.dropTableIfExists('mail_addresses');
}
