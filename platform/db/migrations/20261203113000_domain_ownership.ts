import type { Knex } from 'knex';

/**
 * Domain ownership (issue 12, item 3). A domain a tenant admin adds stays `pending` until a DNS TXT
 * record `postwerk-verification=<token>` at `_postwerk.<domain>` is found (tenancy/shared/domain-ownership.ts).
 * Orthogonal to `status` (active | suspended): suspending and resuming never changes whether the
 * platform knows the tenant owns the name. Every domain that exists already was added by an operator or
 * under the old rules and stays served: the column defaults to `verified`. Schema only.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('domains', (t) => {
    t.string('verification_status', 16).notNullable().defaultTo('verified'); // pending | verified
    // base64url of 24 random bytes (32 characters); room to spare for a longer format later
    t.string('verification_token', 128).nullable();
    t.string('verification_checked_at', 32).nullable();
    // the last check's answer in words ("no TXT record at _postwerk.…", a resolver error)
    t.string('verification_error', 1000).nullable();
    t.string('verified_at', 32).nullable();
    t.index(['verification_status', 'verification_checked_at'], 'domains_verification_idx');
  });
}

// SQLite: knex's dropColumn rebuilds the table (copy, drop, rename), which the mail_users view over
// domains makes fail; ALTER TABLE … DROP COLUMN (SQLite 3.35+, PostgreSQL) leaves the view alone.
const COLUMNS = ['verified_at', 'verification_error', 'verification_checked_at', 'verification_token', 'verification_status'];

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('domains', (t) => {
    t.dropIndex(['verification_status', 'verification_checked_at'], 'domains_verification_idx');
  });
  for (const c of COLUMNS) await knex.raw('ALTER TABLE domains DROP COLUMN ??', [c]);
}
