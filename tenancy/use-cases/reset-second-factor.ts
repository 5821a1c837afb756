import { appendAudit } from '../../platform/audit';
import type { Ctx } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { notFound } from '../../platform/errors';
import { presentStaff } from '../presenters';
import { deleteRecoveryCodes, deleteSessionsOf, findStaff, updateStaff } from '../repositories/staff';
import { authorize } from '../shared/support';

/**
 * Removes another staff user's second factor, for one who lost both the app and the recovery codes (an
 * operator, `postwerk staff reset-second-factor`; a tenant admin for its tenant's staff). Their sessions
 * end; they sign in with the password and, if their role requires it, enrol again.
 */
export async function resetSecondFactor(ctx: Ctx, staffId: string) {
  authorize(ctx, 'staff.write');
  return inTransaction(ctx.db, async ({ trx }) => {
    const before = await findStaff(trx, staffId);
    // another tenant's staff (or platform staff, for a tenant admin) answers like a missing one
    if (!before || (ctx.actor.tenantId !== null && before.tenant_id !== ctx.actor.tenantId)) throw notFound('staff user', staffId);
    if (!before.totp_enabled_at && !before.totp_pending_secret) return presentStaff(before);
    await updateStaff(trx, staffId, {
      totp_secret: null,
      totp_enabled_at: null,
      totp_pending_secret: null,
      totp_pending_at: null,
      updated_at: nowIso(),
    });
    await deleteRecoveryCodes(trx, staffId);
    await deleteSessionsOf(trx, staffId);
    const after = presentStaff((await findStaff(trx, staffId))!);
    await appendAudit(trx, ctx.actor, {
      action: 'staff.second_factor.reset',
      tenantId: before.tenant_id,
      target: { type: 'staff', id: staffId },
      before: presentStaff(before),
      after: { ...after, sessionsEnded: true },
    });
    return after;
  });
}
