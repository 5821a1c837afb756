import type { Ctx } from '../../platform/context';
import { assertTenantAccess } from '../../platform/actor';
import type { Page } from '../../platform/db/paginate';
import { notFound } from '../../platform/errors';
import * as repo from '../repositories/usage';

/** An account's usage samples over time (oldest first, paged), for charts. */
export interface UsageSample {
  at: string;
  usedBytes: number;
  usedMessages: number;
}

export async function usageHistory(
  ctx: Pick<Ctx, 'db' | 'actor'>,
  input: {
    tenantId: string;
    accountId: string;
    since?: string | undefined;
    until?: string | undefined;
    limit: number;
    cursor?: string | undefined;
  },
): Promise<Page<UsageSample> & { accountId: string; address: string; allocationBytes: number }> {
  assertTenantAccess(ctx.actor, input.tenantId, 'tenant', input.tenantId);
  const [account] = await repo.findAccounts(ctx.db, input.tenantId, [input.accountId]);
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
