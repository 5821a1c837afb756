import type { Knex } from 'knex';

/**
 * A second factor for staff users (issue 12, item 2): a TOTP secret (RFC 6238) sealed with the platform
 * key, the one being enrolled until its first code confirms it, the last time step a code was accepted in
 * (a code is never taken twice), and one-time recovery codes, stored as SHA-256 hashes.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('staff_users', (t) => {
    // a sealed value (platform/secrets.ts) is ~100 characters; generous for a longer format or key id
    t.string('totp_secret', 1000).nullable();
    t.string('totp_enabled_at', 32).nullable();
    t.bigInteger('totp_last_step').nullable();
    t.string('totp_pending_secret', 1000).nullable();
    t.string('totp_pending_at', 32).nullable();
  });
  await knex.schema.createTable('staff_recovery_codes', (t) => {
    t.string('id', 36).primary();
    t.string('user_id', 36).notNullable().references('id').inTable('staff_users').onDelete('CASCADE');
    // sha256 hex of the normalized code (64); room for another scheme
    t.string('code_hash', 200).notNullable();
    t.string('created_at', 32).notNullable();
    t.string('used_at', 32).nullable();
    t.index(['user_id', 'code_hash'], 'staff_recovery_codes_user_hash_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('staff_recovery_codes');
  await knex.schema.alterTable('staff_users', (t) => {
    t.dropColumn('totp_pending_at');
    t.dropColumn('totp_pending_secret');
    t.dropColumn('totp_last_step');
    t.dropColumn('totp_enabled_at');
    t.dropColumn('totp_secret');
  });
}
