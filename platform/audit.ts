import { createHash } from 'node:crypto';
import type { Actor } from './actor';
import type { Db, Trx } from './db';

/**
 * Append-only audit log. Every change writes its entry in the same transaction as the change, and each
 * entry carries sha256(previous hash + its own content), so an edited or deleted entry breaks the chain
 * and verifyAuditChain finds it. The single audit_head row is locked for each append, which gives the
 * chain one order even with concurrent PostgreSQL transactions (SQLite has one writer anyway).
 */
export interface AuditEntry {
  action: string;
  tenantId?: string | null;
  target?: { type: string; id: string };
  before?: unknown;
  after?: unknown;
}

export interface AuditRow {
  id: number;
  at: string;
  actor_type: string;
  actor_id: string | null;
  actor_role: string | null;
  tenant_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  before: string | null;
  after: string | null;
  ip: string | null;
  prev_hash: string;
  hash: string;
}

const GENESIS_HASH = '0'.repeat(64);

/** Stable JSON: keys sorted, so the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function entryHash(row: Omit<AuditRow, 'hash'>): string {
  const content = [
    row.id,
    row.at,
    row.actor_type,
    row.actor_id,
    row.actor_role,
    row.tenant_id,
    row.action,
    row.target_type,
    row.target_id,
    row.before,
    row.after,
    row.ip,
  ];
  return createHash('sha256').update(row.prev_hash).update(canonicalJson(content)).digest('hex');
}

const json = (v: unknown): string | null => (v === undefined ? null : canonicalJson(v));

/**
 * The entry's `after` with the actor's reason (Actor.reason) merged in. A reason the entry records itself
 * (a restore's) is kept; an `after` that is not an object is kept under `value`.
 */
export function withReason(after: unknown, reason: string | undefined): unknown {
  if (reason === undefined) return after;
  if (after === undefined || after === null) return { reason };
  if (typeof after === 'object' && !Array.isArray(after)) return { reason, ...(after as Record<string, unknown>) };
  return { value: after, reason };
}

export async function appendAudit(trx: Trx, actor: Actor, entry: AuditEntry): Promise<AuditRow> {
  const headQuery = trx('audit_head').where({ id: 1 });
  const head = (await (trx.client.config.client === 'pg' ? headQuery.forUpdate() : headQuery).first()) as {
    last_id: number;
    last_hash: string;
  };
  const row: Omit<AuditRow, 'hash'> = {
    id: Number(head.last_id) + 1,
    at: new Date().toISOString(),
    actor_type: actor.kind,
    actor_id: actor.label,
    actor_role: actor.role,
    tenant_id: entry.tenantId ?? null,
    action: entry.action,
    target_type: entry.target?.type ?? null,
    target_id: entry.target?.id ?? null,
    before: json(entry.before),
    after: json(withReason(entry.after, actor.reason)),
    ip: actor.ip ?? null,
    prev_hash: head.last_hash,
  };
  const full: AuditRow = { ...row, hash: entryHash(row) };
  // The id is assigned from the head, not the sequence, so ids are gap-free and a deleted row is a visible gap.
  await trx('audit_log').insert(full);
  await trx('audit_head').where({ id: 1 }).update({ last_id: full.id, last_hash: full.hash });
  return full;
}

export interface ChainVerification {
  ok: boolean;
  checked: number;
  problems: Array<{ id: number; problem: string }>;
}

const VERIFY_PAGE = 5000;

/** Walks the whole chain in id order; reports edited entries, deleted entries (gaps) and a cut tail. */
export async function verifyAuditChain(db: Db): Promise<ChainVerification> {
  const problems: ChainVerification['problems'] = [];
  let prevHash = GENESIS_HASH;
  let expectedId = 1;
  let checked = 0;
  // The head is read first and the walk stops at it: entries appended while the walk runs (a live
  // system) are left for the next verification instead of looking like a head that fell behind.
  const head = (await db('audit_head').where({ id: 1 }).first()) as { last_id: number; last_hash: string };
  const lastId = Number(head.last_id);
  for (;;) {
    const rows = (await db('audit_log')
      .where('id', '>=', expectedId)
      .andWhere('id', '<=', lastId)
      .orderBy('id')
      .limit(VERIFY_PAGE)) as AuditRow[];
    for (const raw of rows) {
      const r = { ...raw, id: Number(raw.id) };
      if (r.id !== expectedId) problems.push({ id: expectedId, problem: `entries ${expectedId}..${r.id - 1} are missing` });
      if (r.prev_hash !== prevHash)
        problems.push({ id: r.id, problem: 'does not follow the entry before it (previous entry deleted or edited)' });
      const { hash, ...rest } = r;
      if (entryHash(rest) !== hash) problems.push({ id: r.id, problem: 'content does not match its hash (entry edited)' });
      prevHash = hash;
      expectedId = r.id + 1;
      checked++;
    }
    if (rows.length < VERIFY_PAGE) break;
  }
  if (lastId !== expectedId - 1 || head.last_hash !== prevHash) {
    problems.push({
      id: Number(head.last_id),
      problem: `the log ends at ${expectedId - 1} but its head records ${head.last_id} (entries removed at the end)`,
    });
  }
  return { ok: problems.length === 0, checked, problems };
}
