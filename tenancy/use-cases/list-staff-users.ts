import type { Ctx } from '../../platform/context';
import { presentStaff } from '../presenters';
import { listStaff } from '../repositories/staff';
import { authorize } from '../shared/support';

/** Staff users; a tenant admin sees only its own tenant's. */
export async function listStaffUsers(
  ctx: Ctx,
  input: { tenantId?: string | undefined; role?: string | undefined; limit: number; cursor?: string | undefined },
) {
  authorize(ctx, 'staff.read');
  const tenantId = ctx.actor.tenantId ?? input.tenantId;
  const page = await listStaff(ctx.db, { tenantId, role: input.role }, input);
  return { items: page.items.map(presentStaff), nextCursor: page.nextCursor };
}
