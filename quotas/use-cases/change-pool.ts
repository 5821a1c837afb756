import { z } from 'zod';
import type { Ctx } from '../../platform/context';
import { assertTenantAccess } from '../../platform/actor';
import { appendAudit } from '../../platform/audit';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { AppError, invalid } from '../../platform/errors';
import { MAX_BYTES } from '../limits';
import { lockPool, formatBytes, PoolState } from '../shared/pool';
import { bytes } from '../shared/schemas';
import * as allocations from '../../tenancy/repositories/allocations';

/**
 * An operator changes a tenant's storage pool (upgrade or downgrade) and, optionally, the default
 * allocation new accounts take. A downgrade below the sum already allocated is refused with the
 * numbers: the tenant must first reassign (or the operator lower allocations) so the invariant
 * "allocations ≤ pool" is never broken, not even for a moment. Runs under lockPool, like every
 * allocation change, so a racing reassignment sees either the old or the new pool, never a mix.
 */
export const changePoolInput = z.strictObject({ tenantId: z.uuid(), poolBytes: bytes, defaultAllocationBytes: bytes.optional() });
export type ChangePoolInput = z.infer<typeof changePoolInput>;

export const ChangePoolResult = z.object({ pool: PoolState, defaultAllocationBytes: z.number(), changed: z.boolean() });
export type ChangePoolResult = z.infer<typeof ChangePoolResult>;

export async function changePool(ctx: Ctx, input: ChangePoolInput): Promise<ChangePoolResult> {
  assertTenantAccess(ctx.actor, input.tenantId, 'tenant', input.tenantId);
  const bytes = (n: number) => Number.isSafeInteger(n) && n >= 1 && n <= MAX_BYTES;
  if (!bytes(input.poolBytes)) throw invalid(`poolBytes must be a whole number of bytes from 1 to ${MAX_BYTES}`);
  if (input.defaultAllocationBytes !== undefined && !bytes(input.defaultAllocationBytes)) {
    throw invalid(`defaultAllocationBytes must be a whole number of bytes from 1 to ${MAX_BYTES}`);
  }
  return inTransaction(ctx.db, async ({ trx }) => {
    const pool = await lockPool(trx, input.tenantId);
    const tenant = (await allocations.findTenantPool(trx, input.tenantId))!;
    if (input.poolBytes < pool.allocatedBytes) {
      throw new AppError(
        'pool_exceeded',
        `the pool cannot be lowered to ${formatBytes(input.poolBytes)}: the tenant's accounts have ${formatBytes(pool.allocatedBytes)} allocated; lower their allocations first`,
        { poolBytes: pool.poolBytes, allocatedBytes: pool.allocatedBytes, requestedPoolBytes: input.poolBytes },
      );
    }
    const defaultAllocation = input.defaultAllocationBytes ?? Math.min(tenant.default_allocation_bytes || input.poolBytes, input.poolBytes);
    if (defaultAllocation > input.poolBytes) {
      throw invalid(
        `defaultAllocationBytes (${formatBytes(defaultAllocation)}) cannot be larger than the pool (${formatBytes(input.poolBytes)})`,
      );
    }
    const after: PoolState = { ...pool, poolBytes: input.poolBytes, freeBytes: input.poolBytes - pool.allocatedBytes };
    if (input.poolBytes === pool.poolBytes && defaultAllocation === tenant.default_allocation_bytes) {
      return { pool: after, defaultAllocationBytes: defaultAllocation, changed: false };
    }
    await allocations.updatePool(trx, input.tenantId, { poolBytes: input.poolBytes, defaultAllocationBytes: defaultAllocation }, nowIso());
    await appendAudit(trx, ctx.actor, {
      action: 'quota.pool.changed',
      tenantId: input.tenantId,
      target: { type: 'tenant', id: input.tenantId },
      before: { poolBytes: pool.poolBytes, defaultAllocationBytes: tenant.default_allocation_bytes },
      after: { poolBytes: input.poolBytes, defaultAllocationBytes: defaultAllocation },
    });
    return { pool: after, defaultAllocationBytes: defaultAllocation, changed: true };
  });
}
