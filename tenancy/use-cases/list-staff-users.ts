import { z } from 'zod';
import { ROLES } from '../../platform/actor';
import { pageQuery } from '../../platform/db/paginate';
import type { Ctx } from '../../platform/context';
import { presentStaff } from '../presenters';
import { listStaff } from '../repositories/staff';
import { authorize } from '../shared/support';

/** Staff users; a tenant admin sees only its own tenant's. */
export const listStaffUsersInput = pageQuery.extend({ tenantId: z.uuid().optional(), role: z.enum(ROLES).optional() });
export type ListStaffUsersInput = z.infer<typeof listStaffUsersInput>;

export async function listStaffUsers(ctx: Ctx, input: ListStaffUsersInput) {
  authorize(ctx, 'staff.read');
  const tenantId = ctx.actor.tenantId ?? input.tenantId;
  const page = await listStaff(ctx.db, { tenantId, role: input.role }, input);
  return { items: page.items.map(presentStaff), nextCursor: page.nextCursor };
}
