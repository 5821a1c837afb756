import { z } from 'zod';
import type { Ctx } from '../../platform/context';
import { assertTenantAccess } from '../../platform/actor';
import { notFound } from '../../platform/errors';
import { Forecast } from '../shared/forecast';
import { tenantForecast } from './tenant-forecast';
import * as allocations from '../../tenancy/repositories/allocations';
import * as repo from '../repositories/usage';

/** A tenant's pool at a glance: size, allocated, used (last collection), free to allocate, and its forecast. */
export const PoolSummary = z.object({
  tenantId: z.string(),
  poolBytes: z.number(),
  defaultAllocationBytes: z.number(),
  allocatedBytes: z.number(),
  /** pool minus allocations: what can still be given to accounts */
  freeBytes: z.number(),
  usedBytes: z.number(),
  usedMessages: z.number(),
  accounts: z.number(),
  collectedAt: z.string().nullable(),
  forecast: Forecast,
});
export type PoolSummary = z.infer<typeof PoolSummary>;

export async function getPool(ctx: Pick<Ctx, 'db' | 'actor'>, tenantId: string): Promise<PoolSummary> {
  assertTenantAccess(ctx.actor, tenantId, 'tenant', tenantId);
  const tenant = await allocations.findTenantPool(ctx.db, tenantId);
  if (!tenant) throw notFound('tenant', tenantId);
  const totals = await allocations.allocationTotals(ctx.db, tenantId);
  const usage = await repo.tenantUsage(ctx.db, tenantId);
  const { pool } = await tenantForecast(ctx, tenantId);
  return {
    tenantId,
    poolBytes: tenant.pool_bytes,
    defaultAllocationBytes: tenant.default_allocation_bytes,
    allocatedBytes: totals.allocatedBytes,
    freeBytes: tenant.pool_bytes - totals.allocatedBytes,
    usedBytes: usage.usedBytes,
    usedMessages: usage.usedMessages,
    accounts: totals.accounts,
    collectedAt: usage.collectedAt,
    forecast: { bytesPerDay: pool.bytesPerDay, fullAt: pool.fullAt, samples: pool.samples },
  };
}
