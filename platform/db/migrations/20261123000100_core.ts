import type { Knex } from 'knex';

/**
 * The control plane's system of record: tenants, domains, accounts, aliases, forwardings, staff,
 * API tokens, portal sessions, idempotency keys and the hash-chained audit log.
 *
 * Conventions (kept by every later migration):
 * - ids are text UUIDs made by the application, so rows can be created on any machine;
 * - times are ISO-8601 UTC text (`YYYY-MM-DDTHH:MM:SS.sssZ`): identical on SQLite and PostgreSQL and
 *   ordered correctly as text;
 * - byte counts are bigint;
 * - booleans the mail server reads are integers 0/1 (Dovecot's SQL drivers see the same on both).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('tenants', (t) => {
    t.string('id', 36).primary();
    t.string('slug', 63).notNullable().unique();
    t.string('name', 200).notNullable();
    t.string('status', 16).notNullable().defaultTo('active'); // active | suspended
    t.bigInteger('pool_bytes').notNullable().defaultTo(0);
    t.bigInteger('default_allocation_bytes').notNullable().defaultTo(0);
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
  });

  await knex.schema.createTable('domains', (t) => {
    t.string('id', 36).primary();
    t.string('tenant_id', 36).notNullable().references('id').inTable('tenants');
    t.string('name', 253).notNullable().unique();
    t.string('status', 16).notNullable().defaultTo('verified'); // verified | active | suspended
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
    t.index(['tenant_id']);
  });

  await knex.schema.createTable('accounts', (t) => {
    t.string('id', 36).primary();
    t.string('tenant_id', 36).notNullable().references('id').inTable('tenants');
    t.string('domain_id', 36).notNullable().references('id').inTable('domains');
    t.string('local_part', 64).notNullable();
    // Unique while the row exists, i.e. also during the deletion grace period: nobody else can take it then.
    t.string('address', 320).notNullable().unique();
    t.string('display_name', 200).notNullable().defaultTo('');
    t.string('password_hash', 200).notNullable();
    t.string('status', 16).notNullable().defaultTo('active'); // active | suspended | deleting
    t.bigInteger('allocation_bytes').notNullable().defaultTo(0);
    // Mailbox folder under the mail root: derived from the id, so a rename keeps the mailbox.
    t.string('mail_path', 200).notNullable().unique();
    t.string('delete_after', 32).nullable();
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
    t.index(['tenant_id', 'status']);
    t.index(['domain_id']);
  });

  await knex.schema.createTable('aliases', (t) => {
    t.string('id', 36).primary();
    t.string('tenant_id', 36).notNullable().references('id').inTable('tenants');
    t.string('domain_id', 36).notNullable().references('id').inTable('domains');
    t.string('address', 320).notNullable().unique();
    t.string('account_id', 36).notNullable().references('id').inTable('accounts').onDelete('CASCADE');
    t.string('created_at', 32).notNullable();
    t.index(['account_id']);
    t.index(['tenant_id']);
  });

  await knex.schema.createTable('forwardings', (t) => {
    t.string('id', 36).primary();
    t.string('tenant_id', 36).notNullable().references('id').inTable('tenants');
    t.string('account_id', 36).notNullable().references('id').inTable('accounts').onDelete('CASCADE');
    t.string('target_address', 320).notNullable();
    t.integer('keep_copy').notNullable().defaultTo(1);
    t.string('created_at', 32).notNullable();
    t.unique(['account_id', 'target_address']);
    t.index(['tenant_id']);
  });

  await knex.schema.createTable('staff_users', (t) => {
    t.string('id', 36).primary();
    t.string('email', 320).notNullable().unique();
    t.string('name', 200).notNullable().defaultTo('');
    t.string('password_hash', 200).notNullable();
    t.string('role', 32).notNullable(); // operator | tenant_admin | migration_engineer | support
    t.string('tenant_id', 36).nullable().references('id').inTable('tenants');
    t.string('status', 16).notNullable().defaultTo('active'); // active | disabled
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
    t.index(['tenant_id']);
  });

  await knex.schema.createTable('api_tokens', (t) => {
    t.string('id', 36).primary();
    t.string('name', 200).notNullable();
    t.string('token_hash', 64).notNullable().unique(); // sha256 hex of the secret: tokens are high-entropy
    t.string('prefix', 16).notNullable(); // shown in lists so a token can be recognised
    t.string('role', 32).notNullable();
    t.string('tenant_id', 36).nullable().references('id').inTable('tenants');
    t.string('created_by', 36).nullable();
    t.string('created_at', 32).notNullable();
    t.string('expires_at', 32).nullable();
    t.string('last_used_at', 32).nullable();
    t.string('revoked_at', 32).nullable();
  });

  await knex.schema.createTable('sessions', (t) => {
    t.string('id', 36).primary();
    t.string('token_hash', 64).notNullable().unique();
    t.string('user_id', 36).notNullable().references('id').inTable('staff_users').onDelete('CASCADE');
    t.string('created_at', 32).notNullable();
    t.string('expires_at', 32).notNullable();
  });

  await knex.schema.createTable('idempotency_keys', (t) => {
    t.string('principal', 80).notNullable();
    t.string('key', 200).notNullable();
    t.string('request_hash', 64).notNullable();
    t.integer('status').notNullable();
    t.text('response').notNullable();
    t.string('created_at', 32).notNullable();
    t.primary(['principal', 'key']);
  });

  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id').primary();
    t.string('at', 32).notNullable();
    t.string('actor_type', 16).notNullable(); // staff | token | system | cli
    t.string('actor_id', 320).nullable();
    t.string('actor_role', 32).nullable();
    t.string('tenant_id', 36).nullable();
    t.string('action', 80).notNullable(); // dotted: account.created, quota.reassigned …
    t.string('target_type', 40).nullable();
    t.string('target_id', 320).nullable();
    t.text('before').nullable(); // JSON
    t.text('after').nullable(); // JSON
    t.string('ip', 64).nullable();
    t.string('prev_hash', 64).notNullable();
    t.string('hash', 64).notNullable();
    t.index(['tenant_id', 'at']);
    t.index(['actor_id', 'at']);
    t.index(['at']);
  });
  // A single row that every audit append locks, so the hash chain has one order on PostgreSQL too.
  await knex.schema.createTable('audit_head', (t) => {
    t.integer('id').primary();
    t.bigInteger('last_id').notNullable();
    t.string('last_hash', 64).notNullable();
  });
  await knex('audit_head').insert({ id: 1, last_id: 0, last_hash: '0'.repeat(64) });

  // Dovecot's user and password lookups read this view (stack/conf/dovecot/sql.conf.ext).
  // quota_bytes is never 0: Dovecot reads 0 as "unlimited", and no mailbox may escape the tenant's pool.
  // deliverable: LMTP takes no new mail for an account being deleted (550 5.1.1, as for an unknown
  // user), while the master user still opens its mailbox during the grace period (restore, export).
  await knex.raw(`
    CREATE VIEW mail_users AS
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
     WHERE a.status <> 'deleting'
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP VIEW IF EXISTS mail_users');
  for (const table of [
    'audit_head',
    'audit_log',
    'idempotency_keys',
    'sessions',
    'api_tokens',
    'staff_users',
    'forwardings',
    'aliases',
    'accounts',
    'domains',
    'tenants',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
