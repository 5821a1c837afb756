import { z } from 'zod';
import { appendAudit } from '../../platform/audit';
import type { Ctx } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { conflict, invalid } from '../../platform/errors';
import { TOTP_ENROLMENT_TTL_MS } from '../limits';
import { replaceRecoveryCodes, updateStaff } from '../repositories/staff';
import { hashRecoveryCode, matchTotpStep, newRecoveryCodes, openTotpSecret, ownStaffRow, totpCode } from '../shared/second-factor';
import { newId } from '../shared/support';

export const confirmSecondFactorInput = z.strictObject({ totp: totpCode });
export type ConfirmSecondFactorInput = z.infer<typeof confirmSecondFactorInput>;

export const SecondFactorConfirmed = z.object({
  enrolledAt: z.string(),
  /** each works once instead of a code; shown only now, kept as hashes */
  recoveryCodes: z.array(z.string()),
});

/**
 * Confirms a started enrolment with a code of the new secret: from now on sign-in asks for a code. Answers
 * fresh recovery codes (any earlier ones stop working). The confirming code's time step counts as used.
 */
export async function confirmSecondFactor(ctx: Ctx, input: ConfirmSecondFactorInput): Promise<z.infer<typeof SecondFactorConfirmed>> {
  return inTransaction(ctx.db, async ({ trx }) => {
    const user = await ownStaffRow(trx, ctx.actor);
    if (user.totp_enabled_at) throw conflict('a second factor is enrolled already');
    if (!user.totp_pending_secret || !user.totp_pending_at || Date.parse(user.totp_pending_at) <= Date.now() - TOTP_ENROLMENT_TTL_MS)
      throw conflict(
        `no enrolment is waiting (none was started, or it is older than ${TOTP_ENROLMENT_TTL_MS / 60_000} minutes): start again`,
      );
    const step = matchTotpStep(openTotpSecret(ctx.config, user.id, user.totp_pending_secret), input.totp);
    if (step === null)
      throw invalid('totp: wrong code: enter the current code the authenticator app shows for Postwerk', [
        { path: 'totp', message: 'wrong code' },
      ]);
    const now = nowIso();
    await updateStaff(trx, user.id, {
      totp_secret: user.totp_pending_secret,
      totp_enabled_at: now,
      totp_last_step: step,
      totp_pending_secret: null,
      totp_pending_at: null,
      updated_at: now,
    });
    const recoveryCodes = newRecoveryCodes();
    await replaceRecoveryCodes(
      trx,
      user.id,
      recoveryCodes.map((c) => ({ id: newId(), user_id: user.id, code_hash: hashRecoveryCode(c), created_at: now, used_at: null })),
    );
    await appendAudit(trx, ctx.actor, {
      action: 'staff.second_factor.enabled',
      tenantId: user.tenant_id,
      target: { type: 'staff', id: user.id },
      after: { enrolledAt: now, recoveryCodes: recoveryCodes.length },
    });
    return { enrolledAt: now, recoveryCodes };
  });
}
