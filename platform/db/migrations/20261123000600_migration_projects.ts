import type { Knex } from 'knex';

/**
 * Migration projects of the control plane (migration-projects/): a tenant's move from an old IMAP
 * server onto the platform, account by account, with pre-stage, scheduled delta passes, a scheduled
 * cut-over and catch-up passes. The engine's own per-folder/per-message state lives in
 * migration_folders/migration_messages (20261123000500); these tables say what the engineer asked for and
 * how far each account got. Schema only, conventions of 20261123000100_core.
 *
 * accounts.inbound_route — who receives new mail for the account:
 *   'local'  (default) the platform delivers inbound mail to the mailbox (LMTP), as for every account;
 *   'source' the account is being migrated and is not cut over yet: its mail still belongs to the old
 *            server (MX not switched, or mail relayed there). The SMTP ingress must not deliver locally
 *            for such an account; it relays to (or refuses in favour of) the project's source.
 * A cut-over switches 'source' → 'local' in the same transaction that marks the account live and writes
 * the audit entry; nothing else sets it back to 'local' (a roll-back before the switch leaves 'source').
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('migration_projects', (t) => {
    t.string('id', 36).primary();
    t.string('tenant_id', 36).notNullable().references('id').inTable('tenants');
    t.string('name', 200).notNullable();
    t.string('source_host', 253).notNullable();
    t.integer('source_port').notNullable();
    t.string('source_security', 16).notNullable(); // tls | starttls | plain
    t.integer('source_insecure').notNullable().defaultTo(0); // accept a self-signed certificate
    t.string('auth_method', 16).notNullable(); // password | master | xoauth2
    t.string('auth_user', 320).nullable(); // master/admin identity (auth_method master)
    t.string('master_style', 16).nullable(); // sasl | separator
    t.string('master_separator', 8).nullable();
    // JSON {password} or {tokenCommand}, sealed by platform/secrets.ts; never stored in the clear
    t.text('credentials_sealed').nullable();
    t.text('options').notNullable(); // JSON: the engine options subset (folder filters, caps)
    t.bigInteger('delta_interval_ms').nullable(); // set while delta passes are scheduled
    t.string('cutover_at', 32).nullable();
    t.integer('cutover_generation').notNullable().defaultTo(0); // bumped at every (re)schedule: part of the job id
    t.bigInteger('catchup_window_ms').notNullable();
    t.bigInteger('catchup_interval_ms').notNullable();
    // active | cutover-scheduled | cutting-over | cut-over | rolled-back
    t.string('status', 24).notNullable().defaultTo('active');
    t.string('created_by', 320).nullable();
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
    t.unique(['tenant_id', 'name']);
  });

  await knex.schema.createTable('migration_accounts', (t) => {
    t.string('id', 36).primary();
    t.string('project_id', 36).notNullable().references('id').inTable('migration_projects').onDelete('CASCADE');
    t.string('tenant_id', 36).notNullable();
    t.string('source_user', 320).notNullable();
    // Purging an account (after its deletion grace period) removes its migration rows; the audit log keeps the trail.
    t.string('account_id', 36).notNullable().references('id').inTable('accounts').onDelete('CASCADE');
    t.string('destination_address', 320).notNullable();
    t.text('source_password_sealed').nullable(); // auth_method password: sealed per account
    // pending | prestaging | synced | cutting-over | verified | live | failed | rolled-back
    t.string('status', 16).notNullable().defaultTo('pending');
    t.integer('generation').notNullable().defaultTo(0); // bumped by every start/retry: part of the job id
    // one pass at a time per account: the job holding it and until when (renewed while it works)
    t.string('lease_owner', 200).nullable();
    t.string('lease_until', 32).nullable();
    t.string('phase', 16).nullable(); // what runs now: prestage | delta | cutover | catchup | verify
    t.integer('passes').notNullable().defaultTo(0);
    t.string('last_pass_at', 32).nullable();
    t.string('last_pass_mode', 8).nullable();
    t.bigInteger('messages_total').notNullable().defaultTo(0); // source messages at the last plan
    t.bigInteger('messages_done').notNullable().defaultTo(0); // of the current/last pass
    t.bigInteger('bytes_done').notNullable().defaultTo(0);
    t.bigInteger('copied_total').notNullable().defaultTo(0); // over all passes
    t.bigInteger('bytes_copied_total').notNullable().defaultTo(0);
    t.integer('failed_messages').notNullable().defaultTo(0); // of the last pass
    t.integer('missing_messages').nullable(); // of the last verification
    t.text('last_report').nullable(); // JSON: the engine's MigrationReport of the last pass
    t.text('verification_report').nullable(); // JSON: the engine's VerificationReport of the last verification
    t.string('verified_at', 32).nullable();
    t.string('switched_at', 32).nullable(); // inbound switched to local
    t.string('catchup_until', 32).nullable();
    t.text('last_error').nullable();
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
    t.unique(['project_id', 'source_user']);
    t.unique(['project_id', 'account_id']);
    t.index(['account_id']);
    t.index(['project_id', 'status']);
  });

  await knex.schema.createTable('migration_events', (t) => {
    t.bigIncrements('id').primary();
    t.string('project_id', 36).notNullable().references('id').inTable('migration_projects').onDelete('CASCADE');
    t.string('migration_account_id', 36).nullable().references('id').inTable('migration_accounts').onDelete('CASCADE');
    t.string('at', 32).notNullable();
    t.string('kind', 40).notNullable(); // dotted: pass.started, pass.finished, progress, verify.failed, switched …
    t.string('message', 1000).notNullable().defaultTo('');
    t.text('data').nullable(); // JSON
    t.index(['project_id', 'id']);
    t.index(['migration_account_id', 'id']);
  });

  await knex.schema.alterTable('accounts', (t) => {
    t.string('inbound_route', 8).notNullable().defaultTo('local'); // local | source (see above)
  });
}

export async function down(knex: Knex): Promise<void> {
  // Plain DROP COLUMN on both databases (SQLite ≥ 3.35): knex's SQLite fallback would rebuild `accounts`,
  // which the mail_users view and other tables' foreign keys depend on.
  await knex.raw('ALTER TABLE accounts DROP COLUMN inbound_route');
  await knex.schema.dropTableIfExists('migration_events');
  await knex.schema.dropTableIfExists('migration_accounts');
  await knex.schema.dropTableIfExists('migration_projects');
}
