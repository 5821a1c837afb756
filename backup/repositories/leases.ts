import type { Knex } from 'knex';
import { isUniqueViolation } from '../../platform/db';

/**
 * One pass per account at a time, across processes and machines: a row per account held by one holder until
 * it expires. Taking it is an insert, or an update of an expired row; both are single statements, so two
 * workers racing cannot both win.
 */
export async function tryAcquireLease(q: Knex, accountId: string, holder: string, now: Date, ttlMs: number): Promise<boolean> {
  const expires = new Date(now.getTime() + ttlMs).toISOString();
  try {
    await q('backup_leases').insert({ account_id: accountId, holder, expires_at: expires, acquired_at: now.toISOString() });
    return true;
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
  }
  const taken = await q('backup_leases')
    .where({ account_id: accountId })
    .andWhere('expires_at', '<', now.toISOString())
    .update({ holder, expires_at: expires, acquired_at: now.toISOString() });
  return taken === 1;
}

/** False when the lease is no longer ours (it expired and another worker took it). */
export async function renewLease(q: Knex, accountId: string, holder: string, now: Date, ttlMs: number): Promise<boolean> {
  const n = await q('backup_leases')
    .where({ account_id: accountId, holder })
    .update({ expires_at: new Date(now.getTime() + ttlMs).toISOString() });
  return n === 1;
}

export async function releaseLease(q: Knex, accountId: string, holder: string): Promise<void> {
  await q('backup_leases').where({ account_id: accountId, holder }).delete();
}

export async function findLease(q: Knex, accountId: string): Promise<{ holder: string; expires_at: string } | undefined> {
  return q('backup_leases').where({ account_id: accountId }).first('holder', 'expires_at');
}
