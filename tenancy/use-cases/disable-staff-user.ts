import { appendAudit } from '../../platform/audit';
import type { Ctx } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { notFound } from '../../platform/errors';
import { presentStaff } from '../presenters';
import { deleteSessionsOf, findStaff, updateStaff } from '../repositories/staff';
import { authorize } from '../shared/support';

/** Disables a staff user and ends their portal sessions at once. */
export async function disableStaffUser(ctx: Ctx, staffId: string) {
  authorize(ctx, 'staff.write');
  return inTransaction(ctx.db, async ({ trx }) => {
    const before = await findStaff(trx, staffId);
    // another tenant's staff (or platform staff, for a tenant admin) answers like a missing one
    if (!before || (ctx.actor.tenantId !== null && before.tenant_id !== ctx.actor.tenantId)) throw notFound('staff user', staffId);
    if (before.status === 'disabled') return presentStaff(before);
    await updateStaff(trx, staffId, { status: 'disabled', updated_at: nowIso() });
    await deleteSessionsOf(trx, staffId);
    const after = presentStaff((await findStaff(trx, staffId))!);
    await appendAudit(trx, ctx.actor, {
      action: 'staff.disabled',
      tenantId: before.tenant_id,
      target: { type: 'staff', id: staffId },
      before: presentStaff(before),
      after,
    });
    return after;
  });
}
