import { z } from 'zod';
import type { Services } from '../../platform/context';
import { poolsOfAllTenants } from '../../tenancy/repositories/allocations';
import { usedBytesByTenant } from '../repositories/usage';

export const PoolTotals = z.array(
  z.object({ tenantSlug: z.string(), poolBytes: z.number(), allocatedBytes: z.number(), usedBytes: z.number() }),
);
export type PoolTotals = z.infer<typeof PoolTotals>;

/** Every tenant's pool: its size, what is allocated, what is used (last collection), for the metrics scrape. */
export async function poolTotals(deps: Pick<Services, 'db'>): Promise<PoolTotals> {
  const [pools, used] = await Promise.all([poolsOfAllTenants(deps.db), usedBytesByTenant(deps.db)]);
  return pools.map((p) => ({
    tenantSlug: p.slug,
    poolBytes: p.pool_bytes,
    allocatedBytes: p.allocated_bytes,
    usedBytes: used.get(p.tenant_id) ?? 0,
  }));
}
