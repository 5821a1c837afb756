import type { Ctx } from '../../platform/context';
import { assertTenantAccess } from '../../platform/actor';
import type { Page } from '../../platform/db/paginate';
import { notFound } from '../../platform/errors';
import * as repo from '../repositories/usage';

/** The tenant's quota notifications, newest first, for the portal. */
export interface NotificationItem {
  id: number;
  event: string;
  accountId: string | null;
  address: string;
  threshold: number;
  usedBytes: number;
  allocationBytes: number;
  createdAt: string;
  webhookStatus: string;
}

export async function listNotifications(
  ctx: Pick<Ctx, 'db' | 'actor'>,
  input: { tenantId: string; accountId?: string | undefined; limit: number; cursor?: string | undefined },
): Promise<Page<NotificationItem>> {
  assertTenantAccess(ctx.actor, input.tenantId, 'tenant', input.tenantId);
  if (!(await repo.findTenant(ctx.db, input.tenantId))) throw notFound('tenant', input.tenantId);
  const page = await repo.listNotifications(ctx.db, input.tenantId, input);
  return {
    nextCursor: page.nextCursor,
    items: page.items.map((n) => ({
      id: n.id,
      event: n.event,
      accountId: n.account_id,
      address: n.address,
      threshold: n.threshold,
      usedBytes: n.used_bytes,
      allocationBytes: n.allocation_bytes,
      createdAt: n.created_at,
      webhookStatus: n.webhook_status,
    })),
  };
}
