import { z } from 'zod';
import { appendAudit } from '../../platform/audit';
import type { Ctx } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { deleteRecoveryCodes, updateStaff } from '../repositories/staff';
import { password } from '../shared/schemas';
import { ownStaffRow, recoveryCode, totpCode } from '../shared/second-factor';
import { reauthenticate } from '../shared/reauthenticate';
import { secondFactorStatus, type SecondFactorStatus } from './second-factor-status';

export const disableSecondFactorInput = z
  .strictObject({ password: password.optional(), totp: totpCode.optional(), recoveryCode: recoveryCode.optional() })
  .refine((v) => [v.password, v.totp, v.recoveryCode].filter((x) => x !== undefined).length === 1, {
    message: 'prove it is you with exactly one of: password (the current one), totp (a code of the app), recoveryCode',
    path: ['password'],
  });
export type DisableSecondFactorInput = z.infer<typeof disableSecondFactorInput>;

/**
 * Removes the signed-in staff user's own second factor (and its recovery codes, and a pending enrolment),
 * after they prove it is them: the current password or a code. Wrong proofs count in the sign-in limits.
 * A user whose role requires a second factor must then enrol again before doing anything else.
 */
export async function disableSecondFactor(ctx: Ctx, input: DisableSecondFactorInput): Promise<z.infer<typeof SecondFactorStatus>> {
  const user = await ownStaffRow(ctx.db, ctx.actor);
  if (!user.totp_enabled_at && !user.totp_pending_secret) return secondFactorStatus(ctx);
  const provedBy = await reauthenticate(ctx, user, input);
  await inTransaction(ctx.db, async ({ trx }) => {
    const now = nowIso();
    await updateStaff(trx, user.id, {
      totp_secret: null,
      totp_enabled_at: null,
      totp_pending_secret: null,
      totp_pending_at: null,
      updated_at: now,
    });
    await deleteRecoveryCodes(trx, user.id);
    await appendAudit(trx, ctx.actor, {
      action: 'staff.second_factor.disabled',
      tenantId: user.tenant_id,
      target: { type: 'staff', id: user.id },
      before: { enrolledAt: user.totp_enabled_at ?? null },
      after: { provedBy },
    });
  });
  return secondFactorStatus(ctx);
}
