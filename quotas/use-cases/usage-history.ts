import { z } from 'zod';
import type { Ctx } from '../../platform/context';
import { assertTenantAccess } from '../../platform/actor';
import { pageQuery } from '../../platform/db/paginate';
import { notFound } from '../../platform/errors';
import * as allocations from '../../tenancy/repositories/allocations';
import * as repo from '../repositories/usage';
import { isoTime } from '../shared/schemas';

/** An account's usage samples over time (oldest first, paged), for charts. */
export const usageHistoryInput = pageQuery.extend({
  tenantId: z.uuid(),
  accountId: z.uuid(),
  since: isoTime.optional(),
  until: isoTime.optional(),
});
export type UsageHistoryInput = z.infer<typeof usageHistoryInput>;

export const UsageHistory = z.object({
  items: z.array(z.object({ at: z.string(), usedBytes: z.number(), usedMessages: z.number() })),
  nextCursor: z.string().nullable(),
  accountId: z.string(),
  address: z.string(),
  allocationBytes: z.number(),
});
export type UsageHistory = z.infer<typeof UsageHistory>;

export async function usageHistory(ctx: Pick<Ctx, 'db' | 'actor'>, input: UsageHistoryInput): Promise<UsageHistory> {
  assertTenantAccess(ctx.actor, input.tenantId, 'tenant', input.tenantId);
  const [account] = await allocations.findAccountAllocations(ctx.db, input.tenantId, [input.accountId]);
  if (!account) throw notFound('account', input.accountId);
  const page = await repo.samplesPage(ctx.db, account.id, input);
  return {
    accountId: account.id,
    address: account.address,
    allocationBytes: account.allocation_bytes,
    nextCursor: page.nextCursor,
    items: page.items.map((s) => ({ at: s.at, usedBytes: s.used_bytes, usedMessages: s.used_messages })),
  };
}
