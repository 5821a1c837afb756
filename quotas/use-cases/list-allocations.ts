import { z } from 'zod';
import type { Ctx } from '../../platform/context';
import { assertTenantAccess } from '../../platform/actor';
import type { Page } from '../../platform/db/paginate';
import { notFound } from '../../platform/errors';
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
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<AllocationItem>> {
  assertTenantAccess(ctx.actor, tenantId, 'tenant', tenantId);
  if (!(await repo.findTenant(ctx.db, tenantId))) throw notFound('tenant', tenantId);
  const rows = await repo.listAllocations(ctx.db, tenantId, page);
  return {
    nextCursor: rows.nextCursor,
    items: rows.items.map((r) => {
      const allocation = Number(r.allocation_bytes);
      const used = r.used_bytes === null || r.used_bytes === undefined ? null : Number(r.used_bytes);
      return {
        accountId: String(r.id),
        address: String(r.address),
        status: String(r.status),
        allocationBytes: allocation,
        usedBytes: used,
        usedMessages: r.used_messages === null || r.used_messages === undefined ? null : Number(r.used_messages),
        percent: used === null ? null : Math.round((used * 1000) / Math.max(allocation, 1)) / 10,
        collectedAt: (r.collected_at as string | null) ?? null,
        warningLevel: Number(r.warning_level ?? 0),
      };
    }),
  };
}
