import type { Trx } from '../../platform/db';
import { z } from 'zod';
import { AppError, notFound } from '../../platform/errors';
import { lockTenantPool } from '../../tenancy/repositories/allocations';
import { takeWriteLock } from '../repositories/usage';

/**
 * The pool invariant: the allocations of a tenant's accounts never add up to more than its pool.
 *
 * Every change of an allocation or of a pool runs inside a transaction that first calls lockPool.
 * On PostgreSQL that takes a row lock on the tenant (SELECT … FOR UPDATE): changes to one tenant's
 * allocations queue up behind each other, changes to different tenants run in parallel, and the sum
 * read under the lock cannot be changed by anyone else before commit. Row locks rather than
 * SERIALIZABLE because the conflict is known and narrow (one tenant row), so nothing has to be retried.
 * On SQLite the whole database has one writer. lockPool takes that write lock first (takeWriteLock):
 * a transaction that reads first and writes later fails at its first write whenever another connection
 * committed in between (its snapshot is stale, and SQLite does not wait then), and under a steady
 * stream of writers its retries can keep losing; holding the lock from the first statement makes the
 * others wait (busy_timeout) instead. Called after other reads in the same transaction, the lock
 * write itself may meet a stale snapshot (SQLITE_BUSY), and inTransaction (platform/db/transaction.ts)
 * runs the transaction again from the start.
 */
export const PoolState = z.object({ tenantId: z.string(), poolBytes: z.number(), allocatedBytes: z.number(), freeBytes: z.number() });
export type PoolState = z.infer<typeof PoolState>;

export async function lockPool(trx: Trx, tenantId: string): Promise<PoolState> {
  await takeWriteLock(trx);
  const pool = await lockTenantPool(trx, tenantId);
  if (!pool) throw notFound('tenant', tenantId);
  return { tenantId, ...pool, freeBytes: pool.poolBytes - pool.allocatedBytes };
}

export const formatBytes = (n: number): string => {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
};

/** Throws pool_exceeded, with the numbers, when `extraBytes` more would not fit in the tenant's pool. */
export async function assertPoolCovers(trx: Trx, tenantId: string, extraBytes: number): Promise<PoolState> {
  const pool = await lockPool(trx, tenantId);
  if (extraBytes > pool.freeBytes) {
    throw new AppError(
      'pool_exceeded',
      `the tenant's storage pool cannot cover ${formatBytes(extraBytes)}: ${formatBytes(Math.max(pool.freeBytes, 0))} of ${formatBytes(pool.poolBytes)} free`,
      { poolBytes: pool.poolBytes, allocatedBytes: pool.allocatedBytes, freeBytes: pool.freeBytes, requestedBytes: extraBytes },
    );
  }
  return pool;
}
