import type { Knex } from 'knex';

/**
 * Backup (export, self-service, drills, retention, integrity): per-tenant retention and self-service
 * settings, the results of restore drills and integrity checks, notifications raised by them, and the
 * sessions of mail users (an account's own user signed in with the mail password). Schema only;
 * conventions of 20261123000100_core.ts.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('backup_retention', (t) => {
    t.string('tenant_id', 36).primary().references('id').inTable('tenants').onDelete('CASCADE');
    /** how long an expunged message (or a deleted folder) stays restorable */
    t.integer('deleted_days').notNullable();
    /** how long superseded index rows (earlier flag states) are kept */
    t.integer('history_days').notNullable();
    /** how far back an account's own user may restore deleted messages (0: self-service off) */
    t.integer('self_service_days').notNullable();
    t.string('updated_at', 32).notNullable();
  });

  // one row per drill or integrity run: kind drill | integrity
  await knex.schema.createTable('backup_checks', (t) => {
    t.string('id', 36).primary();
    t.string('tenant_id', 36).notNullable().references('id').inTable('tenants').onDelete('CASCADE');
    t.string('kind', 16).notNullable();
    t.string('status', 16).notNullable(); // running | passed | failed
    t.string('started_at', 32).notNullable();
    t.string('finished_at', 32).nullable();
    /** JSON: sampled, matched, problems [], recoveryPointSeconds per account, recoveryTimeMs … */
    t.text('result').nullable();
    t.text('error').nullable();
    t.index(['tenant_id', 'kind', 'started_at'], 'backup_checks_tenant_idx');
  });

  await knex.schema.createTable('backup_notifications', (t) => {
    t.bigIncrements('id').primary();
    t.string('tenant_id', 36).notNullable().references('id').inTable('tenants').onDelete('CASCADE');
    t.string('event', 40).notNullable(); // backup.drill-failed | backup.integrity-failed
    t.string('check_id', 36).nullable();
    t.text('detail').notNullable();
    t.string('created_at', 32).notNullable();
    t.index(['tenant_id', 'created_at'], 'backup_notifications_tenant_idx');
  });

  // Portal sessions of mail users. A table of its own rather than a kind column on `sessions`, whose
  // user_id must name a staff user: a mail user is an account, and its session dies with the account.
  await knex.schema.createTable('mail_user_sessions', (t) => {
    t.string('id', 36).primary();
    t.string('token_hash', 64).notNullable().unique();
    t.string('account_id', 36).notNullable().references('id').inTable('accounts').onDelete('CASCADE');
    t.string('created_at', 32).notNullable();
    t.string('expires_at', 32).notNullable();
    t.index(['account_id'], 'mail_user_sessions_account_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('mail_user_sessions');
  await knex.schema.dropTableIfExists('backup_notifications');
  await knex.schema.dropTableIfExists('backup_checks');
  await knex.schema.dropTableIfExists('backup_retention');
}
