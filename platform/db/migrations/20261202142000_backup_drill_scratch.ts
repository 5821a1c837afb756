import type { Knex } from 'knex';

/**
 * Restore drills (backup/use-cases/run-restore-drill.ts) restore a sample of each tenant's backups into a
 * scratch mailbox of that tenant. The scratch mailbox is not an account: it has no address in any of the
 * tenant's domains, takes nothing from the tenant's pool, appears in no account list and is not backed
 * up. Dovecot knows mailboxes only through mail_users, so the view gains a third arm for these rows:
 * login_enabled 0 (only the platform's master user opens it) and deliverable 0 (LMTP refuses mail for it).
 * The first two arms are those of 20261123000100_core.ts, unchanged.
 */
const ACCOUNTS_AND_ALIASES = `
    SELECT a.address AS lookup, a.address AS username, a.password_hash AS password, a.mail_path AS mail_path,
           CASE WHEN a.allocation_bytes < 1 THEN 1 ELSE a.allocation_bytes END AS quota_bytes,
           CASE WHEN a.status = 'active' AND t.status = 'active' AND d.status <> 'suspended' THEN 1 ELSE 0 END AS login_enabled,
           'account' AS kind,
           CASE WHEN a.status = 'deleting' THEN 0 ELSE 1 END AS deliverable
      FROM accounts a JOIN tenants t ON t.id = a.tenant_id JOIN domains d ON d.id = a.domain_id
    UNION ALL
    SELECT al.address, a.address, a.password_hash, a.mail_path,
           CASE WHEN a.allocation_bytes < 1 THEN 1 ELSE a.allocation_bytes END,
           0, 'alias', 1
      FROM aliases al JOIN accounts a ON a.id = al.account_id
     WHERE a.status <> 'deleting'`;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('backup_scratch_mailboxes', (t) => {
    t.string('tenant_id', 36).primary().references('id').inTable('tenants').onDelete('CASCADE');
    /** a login name in no real domain (…@<tenant id>.drill.postwerk.invalid): never an address of anyone */
    t.string('address', 200).notNullable().unique();
    t.string('mail_path', 200).notNullable();
    t.bigInteger('quota_bytes').notNullable();
    t.string('created_at', 32).notNullable();
  });
  await knex.raw('DROP VIEW IF EXISTS mail_users');
  await knex.raw(`
    CREATE VIEW mail_users AS ${ACCOUNTS_AND_ALIASES}
    UNION ALL
    SELECT s.address, s.address, '!', s.mail_path, s.quota_bytes, 0, 'account', 0
      FROM backup_scratch_mailboxes s
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP VIEW IF EXISTS mail_users');
  await knex.raw(`CREATE VIEW mail_users AS ${ACCOUNTS_AND_ALIASES}`);
  await knex.schema.dropTableIfExists('backup_scratch_mailboxes');
}
