import { z } from 'zod';
import { appendAudit } from '../../platform/audit';
import type { Ctx } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { conflict } from '../../platform/errors';
import { TOTP_ENROLMENT_TTL_MS } from '../limits';
import { updateStaff } from '../repositories/staff';
import { enrolmentOf, newTotpSecret, ownStaffRow, sealTotpSecret } from '../shared/second-factor';

export const SecondFactorEnrolment = z.object({
  /** the TOTP secret in base32, for typing into an app that cannot scan */
  secret: z.string(),
  otpauthUri: z.string(),
  /** the otpauth URI as a QR code: a data: URL of an SVG image */
  qrCode: z.string(),
  /** confirm with a code before this time, or start again */
  expiresAt: z.string(),
});

/**
 * Starts enrolling a second factor (TOTP) for the signed-in staff user: a new secret, sealed with the
 * platform key and kept as pending until a code of it confirms it (confirmSecondFactor). Starting again
 * replaces a pending one; an enrolled factor must be disabled first. The secret is shown only here.
 */
export async function startSecondFactorEnrolment(ctx: Ctx): Promise<z.infer<typeof SecondFactorEnrolment>> {
  return inTransaction(ctx.db, async ({ trx }) => {
    const user = await ownStaffRow(trx, ctx.actor);
    if (user.totp_enabled_at) throw conflict('a second factor is enrolled already: disable it first to enrol another');
    const secret = newTotpSecret();
    const now = nowIso();
    await updateStaff(trx, user.id, { totp_pending_secret: sealTotpSecret(ctx.config, user.id, secret), totp_pending_at: now });
    const expiresAt = new Date(Date.parse(now) + TOTP_ENROLMENT_TTL_MS).toISOString();
    await appendAudit(trx, ctx.actor, {
      action: 'staff.second_factor.enrolment_started',
      tenantId: user.tenant_id,
      target: { type: 'staff', id: user.id },
      after: { expiresAt },
    });
    return { secret, ...(await enrolmentOf(secret, user.email)), expiresAt };
  });
}
