import type { Ctx } from '../../platform/context';
import { inTransaction } from '../../platform/db/transaction';
import { AppError } from '../../platform/errors';
import { verifyPassword } from '../../platform/passwords';
import type { StaffRow } from '../repositories/rows';
import { spendSecondFactor, type SecondFactorProof } from './second-factor';
import { beginSignInAttempt } from './sign-in-limits';

/**
 * A signed-in staff user proves again that they are who the session says before changing their own
 * credentials: with the current password, or (to disable the second factor) with a code. Wrong answers
 * count in the sign-in limits of that account and client address, so a stolen session cannot be used to
 * guess the password (or codes) faster than the sign-in form allows.
 */
export type Proof = SecondFactorProof & { password?: string | undefined };

/** Answers how the user proved it, or throws 403 reauthentication_failed (or 429 sign_in_locked). */
export async function reauthenticate(ctx: Ctx, user: StaffRow, proof: Proof): Promise<'password' | 'totp' | 'recovery_code'> {
  const attempt = await beginSignInAttempt(ctx.redis, user.email, ctx.actor.ip);
  let how: 'password' | 'totp' | 'recovery_code' | null = null;
  if (proof.password !== undefined) {
    how = (await verifyPassword(proof.password, user.password_hash)) ? 'password' : null;
  } else if (proof.totp !== undefined || proof.recoveryCode !== undefined) {
    how = await inTransaction(ctx.db, ({ trx }) => spendSecondFactor(trx, ctx.config, user, proof));
  }
  if (!how) {
    await attempt.failed();
    throw new AppError(
      'reauthentication_failed',
      proof.password !== undefined ? 'the current password is wrong' : 'wrong code, or a code already used',
    );
  }
  await attempt.succeeded();
  return how;
}
