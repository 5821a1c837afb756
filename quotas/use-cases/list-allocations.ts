import { z } from 'zod';
import type { Ctx } from '../../platform/context';
import { assertTenantAccess } from '../../platform/actor';
import type { Page } from '../../platform/db/paginate';
import { notFound } from '../../platform/errors';
import * as allocations from '../../tenancy/repositories/allocations';
import * as repo from '../repositories/usage';

/** The tenant's accounts with allocation and recorded usage, paged by address. */
export const AllocationItem = z.object({
  accountId: z.string(),
  address: z.string(),
  status: z.string(),
  allocationBytes: z.number(),
  usedBytes: z.number().nullable(),
  usedMessages: z.number().nullable(),
  /** usage in percent of the allocation, one decimal */
  percent: z.number().nullable(),
  collectedAt: z.string().nullable(),
  warningLevel: z.number(),
});
export type AllocationItem = z.infer<typeof AllocationItem>;

export async function listAllocations(
  ctx: Pick<Ctx, 'db' | 'actor'>,
  tenantId: string,
  pageInput: { limit: number; cursor?: string | undefined },
): Promise<Page<AllocationItem>> {
  assertTenantAccess(ctx.actor, tenantId, 'tenant', tenantId);
  if (!(await allocations.findTenantPool(ctx.db, tenantId))) throw notFound('tenant', tenantId);
  const page = await allocations.allocationsPage(ctx.db, tenantId, pageInput);
  const usage = await repo.usageOf(
    ctx.db,
    page.items.map((a) => a.id),
  );
  return {
    nextCursor: page.nextCursor,
    items: page.items.map((a) => {
      const u = usage.get(a.id);
      const used = u ? u.used_bytes : null;
      return {
        accountId: a.id,
        address: a.address,
        status: a.status,
        allocationBytes: a.allocation_bytes,
        usedBytes: used,
        usedMessages: u ? u.used_messages : null,
        percent: used === null ? null : Math.round((used * 1000) / Math.max(a.allocation_bytes, 1)) / 10,
        collectedAt: u?.collected_at ?? null,
        warningLevel: u?.warning_level ?? 0,
      };
    }),
  };
}
