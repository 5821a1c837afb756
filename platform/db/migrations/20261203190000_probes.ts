import type { Knex } from 'knex';

/**
 * Synthetic probes, SLA and incidents (issue 15, operability/README.md).
 *
 * - `probe_mailboxes`: one mailbox per tenant that the platform creates and keeps. Like the drill scratch
 *   mailbox it is not an account: its login name is in no real domain (`probe-<random>@probe.postwerk.invalid`),
 *   it takes nothing from the tenant's pool, appears in no account list and is not backed up. Unlike the
 *   scratch mailbox it logs in with a password of its own (the probe measures a user's login) and takes
 *   mail (the end-to-end delivery probe): login_enabled 1, deliverable 1 in the view's fourth arm.
 * - `probe_runs`: one row per probe run (raw, kept 7 days): the time of each step in ms.
 * - `probe_hourly`: one row per tenant and hour (kept 400 days): runs, failures, breach minutes and a
 *   latency histogram per step (compact text, operability/shared/histogram.ts).
 * - `probe_settings`: per tenant interval and SLA target (absent row: the defaults of operability/limits.ts).
 * - `probe_incidents`: opened and closed by the probe runs, annotated by operators.
 * The first three arms of mail_users are those of 20261202142000_backup_drill_scratch.ts, unchanged.
 */
const EARLIER_ARMS = `
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
    UNION ALL
    SELECT s.address, s.address, '!', s.mail_path, s.quota_bytes, 0, 'account', 0
      FROM backup_scratch_mailboxes s`;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('probe_mailboxes', (t) => {
    t.string('id', 36).primary();
    t.string('tenant_id', 36).notNullable().unique().references('id').inTable('tenants').onDelete('CASCADE');
    t.string('address', 200).notNullable().unique();
    t.string('password_hash', 200).notNullable();
    /** the password, sealed with the platform key (the probe logs in as a user would) */
    t.string('password_sealed', 500).notNullable();
    t.string('mail_path', 200).notNullable();
    t.bigInteger('quota_bytes').notNullable();
    t.string('created_at', 32).notNullable();
  });
  await knex.schema.createTable('probe_settings', (t) => {
    t.string('tenant_id', 36).primary().references('id').inTable('tenants').onDelete('CASCADE');
    t.boolean('enabled').notNullable().defaultTo(true);
    t.integer('every_seconds').notNullable();
    t.boolean('delivery').notNullable().defaultTo(true);
    /** availability target per month, percent (99.9) */
    t.double('availability_target').notNullable();
    t.integer('login_p95_target_ms').notNullable();
    t.integer('failures_to_open').notNullable();
    t.integer('slow_minutes_to_open').notNullable();
    t.string('updated_at', 32).notNullable();
  });
  await knex.schema.createTable('probe_runs', (t) => {
    t.bigIncrements('id');
    t.string('tenant_id', 36).notNullable();
    t.string('at', 32).notNullable();
    /** the minutes this run stands for (its interval): what a failure costs in availability minutes */
    t.double('minutes').notNullable();
    t.boolean('ok').notNullable();
    t.string('failed_step', 16).nullable();
    t.string('error', 500).nullable();
    t.integer('login_ms').nullable();
    t.integer('select_ms').nullable();
    t.integer('fetch_ms').nullable();
    t.integer('delivery_ms').nullable();
    /** the BullMQ job id of the run: a job re-run after its worker died stores nothing twice */
    t.string('slot', 120).nullable().unique();
    t.index(['tenant_id', 'at']);
    t.index(['at']);
  });
  await knex.schema.createTable('probe_hourly', (t) => {
    t.string('tenant_id', 36).notNullable();
    /** the hour, UTC: 2026-11-05T14 */
    t.string('hour', 13).notNullable();
    t.integer('runs').notNullable();
    t.integer('failures').notNullable();
    t.double('minutes').notNullable();
    t.double('failed_minutes').notNullable();
    t.double('breach_minutes').notNullable();
    /** per step, a histogram of bucket:count pairs (operability/shared/histogram.ts) */
    t.string('login_hist', 2000).notNullable();
    t.string('select_hist', 2000).notNullable();
    t.string('fetch_hist', 2000).notNullable();
    t.string('delivery_hist', 2000).notNullable();
    t.primary(['tenant_id', 'hour']);
  });
  await knex.schema.createTable('probe_incidents', (t) => {
    t.string('id', 36).primary();
    t.string('tenant_id', 36).notNullable().references('id').inTable('tenants').onDelete('CASCADE');
    t.string('kind', 16).notNullable(); // failure | latency
    t.string('step', 16).notNullable();
    t.string('error', 1000).nullable();
    t.string('opened_at', 32).notNullable();
    t.string('closed_at', 32).nullable();
    t.string('cause', 2000).nullable();
    t.string('fix', 2000).nullable();
    t.string('annotated_by', 320).nullable();
    t.string('annotated_at', 32).nullable();
    t.index(['tenant_id', 'opened_at']);
    t.index(['closed_at']);
  });
  // at most one open incident per tenant, also under concurrent probe runs (two workers)
  await knex.raw('CREATE UNIQUE INDEX probe_incidents_one_open ON probe_incidents (tenant_id) WHERE closed_at IS NULL');
  await knex.raw('DROP VIEW IF EXISTS mail_users');
  await knex.raw(`
    CREATE VIEW mail_users AS ${EARLIER_ARMS}
    UNION ALL
    SELECT p.address, p.address, p.password_hash, p.mail_path, p.quota_bytes, 1, 'account', 1
      FROM probe_mailboxes p
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP VIEW IF EXISTS mail_users');
  await knex.raw(`CREATE VIEW mail_users AS ${EARLIER_ARMS}`);
  for (const t of ['probe_incidents', 'probe_hourly', 'probe_runs', 'probe_settings', 'probe_mailboxes'])
    await knex.schema.dropTableIfExists(t);
}
