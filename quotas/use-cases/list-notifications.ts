import { z } from 'zod';
import type { Ctx } from '../../platform/context';
import { assertTenantAccess } from '../../platform/actor';
import { pageQuery, type Page } from '../../platform/db/paginate';
import { notFound } from '../../platform/errors';
import * as allocations from '../../tenancy/repositories/allocations';
import * as repo from '../repositories/usage';

/** The tenant's quota notifications, newest first, for the portal. */
export const listNotificationsInput = pageQuery.extend({ tenantId: z.uuid(), accountId: z.uuid().optional() });
export type ListNotificationsInput = z.infer<typeof listNotificationsInput>;

export const NotificationItem = z.object({
  id: z.number(),
  event: z.string(),
  accountId: z.string().nullable(),
  address: z.string(),
  threshold: z.number(),
  usedBytes: z.number(),
  allocationBytes: z.number(),
  createdAt: z.string(),
  webhookStatus: z.string(),
});
export type NotificationItem = z.infer<typeof NotificationItem>;

export async function listNotifications(ctx: Pick<Ctx, 'db' | 'actor'>, input: ListNotificationsInput): Promise<Page<NotificationItem>> {
  assertTenantAccess(ctx.actor, input.tenantId, 'tenant', input.tenantId);
  if (!(await allocations.findTenantPool(ctx.db, input.tenantId))) throw notFound('tenant', input.tenantId);
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
