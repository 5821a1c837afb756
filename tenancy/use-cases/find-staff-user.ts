import type { Ctx } from '../../platform/context';
import { notFound } from '../../platform/errors';
import { presentStaff } from '../presenters';
import { findStaff, findStaffByEmail } from '../repositories/staff';
import { authorize } from '../shared/support';

/** One staff user by id or sign-in address (the CLI names them by address); a tenant admin sees only its own tenant's. */
export async function findStaffUser(ctx: Ctx, idOrEmail: string) {
  authorize(ctx, 'staff.read');
  const row = idOrEmail.includes('@') ? await findStaffByEmail(ctx.db, idOrEmail.trim().toLowerCase()) : await findStaff(ctx.db, idOrEmail);
  if (!row || (ctx.actor.tenantId !== null && row.tenant_id !== ctx.actor.tenantId)) throw notFound('staff user', idOrEmail);
  return presentStaff(row);
}
