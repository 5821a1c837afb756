import { appendAudit } from '../../platform/audit';
import type { Ctx } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { notFound } from '../../platform/errors';
import { presentStaff } from '../presenters';
import { deleteSessionsOf, findStaff, revokeTokensOwnedBy, updateStaff } from '../repositories/staff';
import { authorize } from '../shared/support';

/**
 * Disables a staff user: ends their portal sessions and revokes the API tokens they own, at once (the
 * audit entry lists the revoked tokens).
 */
export async function disableStaffUser(ctx: Ctx, staffId: string) {
  authorize(ctx, 'staff.write');
  return inTransaction(ctx.db, async ({ trx }) => {
    const before = await findStaff(trx, staffId);
    // another tenant's staff (or platform staff, for a tenant admin) answers like a missing one
    if (!before || (ctx.actor.tenantId !== null && before.tenant_id !== ctx.actor.tenantId)) throw notFound('staff user', staffId);
    if (before.status === 'disabled') return presentStaff(before);
    const now = nowIso();
    await updateStaff(trx, staffId, { status: 'disabled', updated_at: now });
    await deleteSessionsOf(trx, staffId);
    const revokedTokenIds = await revokeTokensOwnedBy(trx, staffId, now);
    const after = presentStaff((await findStaff(trx, staffId))!);
    await appendAudit(trx, ctx.actor, {
      action: 'staff.disabled',
      tenantId: before.tenant_id,
      target: { type: 'staff', id: staffId },
      before: presentStaff(before),
      // the sessions ended and the tokens revoked with the user: they stopped working in this transaction
      after: { ...after, sessionsEnded: true, revokedTokenIds },
    });
    return after;
  });
}
