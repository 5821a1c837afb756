import { z } from 'zod';
import type { Ctx } from '../../platform/context';
import { TOTP_ENROLMENT_TTL_MS } from '../limits';
import { countUnusedRecoveryCodes } from '../repositories/staff';
import { isSecondFactorRequired, ownStaffRow } from '../shared/second-factor';

export const SecondFactorStatus = z.object({
  /** a second factor is enrolled: sign-in asks for its code */
  enrolled: z.boolean(),
  enrolledAt: z.string().nullable(),
  /** the user's role must have one (POSTWERK_2FA_REQUIRED_ROLES) */
  required: z.boolean(),
  /** an enrolment was started and waits for its first code */
  enrolmentPending: z.boolean(),
  recoveryCodesLeft: z.number().int(),
});

/** The signed-in staff user's own second factor: enrolled or not, required or not, recovery codes left. */
export async function secondFactorStatus(ctx: Ctx): Promise<z.infer<typeof SecondFactorStatus>> {
  const user = await ownStaffRow(ctx.db, ctx.actor);
  const pending = !!user.totp_pending_at && Date.parse(user.totp_pending_at) > Date.now() - TOTP_ENROLMENT_TTL_MS;
  return {
    enrolled: !!user.totp_enabled_at,
    enrolledAt: user.totp_enabled_at ?? null,
    required: isSecondFactorRequired(ctx.config, user.role),
    enrolmentPending: !user.totp_enabled_at && pending,
    recoveryCodesLeft: user.totp_enabled_at ? await countUnusedRecoveryCodes(ctx.db, user.id) : 0,
  };
}
