import { createHash } from 'node:crypto';
import type { Knex } from 'knex';

/**
 * Per-tenant, keyed audit chains (issue 12, item 8; platform/audit.ts). Schema only.
 *
 * - audit_log gains chain_id (a tenant's id, or `platform`), seq (gap-free within the chain), actor_ref
 *   (the actor's id; actor_id keeps holding its label, as the filters and exports expect) and key_id (the
 *   audit key that made the entry's HMAC).
 * - audit_chains holds one head per chain; an append locks only its chain's row.
 * - Existing entries stay as they are, the legacy prefix: chain_id null, an unkeyed SHA-256 chain in id
 *   order ending at audit_head, which nothing updates from now on and which verification still checks.
 *   They are not re-chained here: that would need the audit key inside a migration, and it would give
 *   entries edited before the migration fresh, valid hashes, erasing the evidence the old chain holds.
 * - ids now come from the database (they were assigned from audit_head): PostgreSQL's sequence never
 *   advanced while ids were given explicitly, so it is moved past the largest id. SQLite's AUTOINCREMENT
 *   counter already follows explicit ids.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('audit_log', (t) => {
    t.string('chain_id', 36).nullable();
    t.bigInteger('seq').nullable();
    t.string('actor_ref', 320).nullable();
    t.string('key_id', 8).nullable();
    t.unique(['chain_id', 'seq'], { indexName: 'audit_log_chain_seq_uq' });
    t.index(['actor_ref', 'at'], 'audit_log_actor_ref_idx');
  });
  await knex.schema.createTable('audit_chains', (t) => {
    t.string('chain_id', 36).primary();
    t.bigInteger('last_seq').notNullable();
    t.bigInteger('last_id').notNullable();
    t.string('last_hash', 64).notNullable();
    t.string('last_at', 32).nullable();
    // the last seq written to the heads file: a head is anchored once
    t.bigInteger('anchored_seq').notNullable().defaultTo(0);
    t.index(['last_at'], 'audit_chains_last_at_idx');
  });
  if (knex.client.config.client === 'pg') {
    await knex.raw(`SELECT setval(pg_get_serial_sequence('audit_log', 'id'), COALESCE((SELECT MAX(id) FROM audit_log), 0) + 1, false)`);
  }
}

// ALTER TABLE … DROP COLUMN (SQLite 3.35+, PostgreSQL) rather than knex's dropColumn, which rebuilds the
// table on SQLite.
const COLUMNS = ['key_id', 'actor_ref', 'seq', 'chain_id'];

const LEGACY_FIELDS = [
  'id',
  'at',
  'actor_type',
  'actor_id',
  'actor_role',
  'tenant_id',
  'action',
  'target_type',
  'target_id',
  'before',
  'after',
  'ip',
];

/**
 * Down (development only): entries written since go on the legacy chain (plain SHA-256 in id order, as
 * the code before this migration writes and checks it) and audit_head moves to the last, so the old code
 * can append again. Their keys and chains are lost; PostgreSQL ids with gaps (rolled-back transactions)
 * show as missing entries to the old verification.
 */
export async function down(knex: Knex): Promise<void> {
  const head = (await knex('audit_head').where({ id: 1 }).first()) as { last_id: number; last_hash: string };
  let prev = head.last_hash;
  let lastId = Number(head.last_id);
  for (;;) {
    const rows = (await knex('audit_log').whereNotNull('chain_id').andWhere('id', '>', lastId).orderBy('id').limit(1000)) as Array<
      Record<string, unknown>
    >;
    for (const r of rows) {
      const content = LEGACY_FIELDS.map((f) => (f === 'id' ? Number(r.id) : r[f]));
      const hash = createHash('sha256').update(prev).update(JSON.stringify(content)).digest('hex');
      await knex('audit_log').where({ id: r.id }).update({ prev_hash: prev, hash });
      prev = hash;
      lastId = Number(r.id);
    }
    if (rows.length < 1000) break;
  }
  await knex('audit_head').where({ id: 1 }).update({ last_id: lastId, last_hash: prev });
  await knex.schema.dropTable('audit_chains');
  await knex.schema.alterTable('audit_log', (t) => {
    t.dropUnique(['chain_id', 'seq'], 'audit_log_chain_seq_uq');
    t.dropIndex(['actor_ref', 'at'], 'audit_log_actor_ref_idx');
  });
  for (const c of COLUMNS) await knex.raw('ALTER TABLE audit_log DROP COLUMN ??', [c]);
}
