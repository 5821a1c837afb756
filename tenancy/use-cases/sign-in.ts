import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { appendAudit } from '../../platform/audit';
import type { Ctx, Services } from '../../platform/context';
import { inTransaction } from '../../platform/db/transaction';
import { AppError } from '../../platform/errors';
import { verifyPasswordOrDummy } from '../../platform/passwords';
import { countUnusedRecoveryCodes, deleteSessionByHash, findActiveStaffByEmail, insertSession } from '../repositories/staff';
import { findTenant } from '../repositories/tenants';
import type { StaffRow } from '../repositories/rows';
import { isSecondFactorRequired, recoveryCode, spendSecondFactor, staffActorOf, totpCode } from '../shared/second-factor';
import { beginSignInAttempt, type SignInAttempt } from '../shared/sign-in-limits';
import { assertTenantNotSuspended } from '../shared/support';
import { hashSecret, newSecret, SESSION_TTL_MS } from '../shared/tokens';

/**
 * Portal sign-in of a staff user: checks the password and opens a session; returns the session secret.
 * Braked per account and per client address (shared/sign-in-limits.ts); the client address is the
 * actor's, which the API takes from the socket or from the proxies POSTWERK_TRUST_PROXY names.
 *
 * A user with a second factor also sends `totp` (the authenticator's code) or `recoveryCode`; the
 * password alone answers 401 second_factor_required, a wrong or replayed code 401
 * second_factor_invalid, which counts as a failed attempt like a wrong password.
 */
export const signInInput = z
  .strictObject({
    email: z.email().max(320),
    password: z.string().min(1).max(200),
    totp: totpCode.optional(),
    recoveryCode: recoveryCode.optional(),
  })
  .refine((v) => v.totp === undefined || v.recoveryCode === undefined, {
    message: 'send totp or recoveryCode, not both',
    path: ['recoveryCode'],
  });
export type SignInInput = z.infer<typeof signInInput>;

export async function signIn(ctx: Ctx, input: SignInInput) {
  const email = input.email.toLowerCase();
  // The lock is checked (and this attempt counted) before bcrypt runs: a locked account costs no hash.
  const attempt = await beginSignInAttempt(ctx.redis, email, ctx.actor.ip);
  const user = await findActiveStaffByEmail(ctx.db, email);
  // Same answer, and the same bcrypt work, for an unknown user and a wrong password: no probing for
  // who has an account, neither by the answer nor by its time.
  const ok = await verifyPasswordOrDummy(input.password, user?.password_hash ?? null, ctx.config.passwordCost);
  if (!user || !ok) {
    await attempt.failed();
    throw new AppError('unauthenticated', 'wrong e-mail address or password');
  }
  if (user.totp_enabled_at) await checkSecondFactor(ctx, user, input, attempt);
  await attempt.succeeded();
  // the right password of a suspended tenant's staff: say why (the wrong one got the 401 above)
  if (user.tenant_id) assertTenantNotSuspended((await findTenant(ctx.db, user.tenant_id))?.status);
  const secret = newSecret();
  const now = Date.now();
  await insertSession(ctx.db, {
    id: randomUUID(),
    token_hash: hashSecret(secret),
    user_id: user.id,
    created_at: new Date(now).toISOString(),
    expires_at: new Date(now + SESSION_TTL_MS).toISOString(),
  });
  return {
    secret,
    user: {
      id: user.id,
      email: user.email,
      name: user.name,
      role: user.role,
      tenantId: user.tenant_id,
      secondFactorEnrolmentRequired: !user.totp_enabled_at && isSecondFactorRequired(ctx.config, user.role),
    },
  };
}

/** The second step of an enrolled user's sign-in: spends the code, or throws (and counts the failure). */
async function checkSecondFactor(ctx: Ctx, user: StaffRow, input: SignInInput, attempt: SignInAttempt): Promise<void> {
  if (input.totp === undefined && input.recoveryCode === undefined) {
    await attempt.released();
    throw new AppError(
      'second_factor_required',
      'this account has a second factor: send the code of the authenticator app (totp) or a recovery code',
    );
  }
  const how = await inTransaction(ctx.db, async ({ trx }) => {
    const spent = await spendSecondFactor(trx, ctx.config, user, input);
    if (spent === 'recovery_code') {
      const left = await countUnusedRecoveryCodes(trx, user.id);
      await appendAudit(trx, staffActorOf(user, ctx.actor.ip), {
        action: 'staff.recovery_code_used',
        tenantId: user.tenant_id,
        target: { type: 'staff', id: user.id },
        after: { recoveryCodesLeft: left },
      });
    }
    return spent;
  });
  if (!how) {
    await attempt.failed();
    throw new AppError(
      'second_factor_invalid',
      input.totp !== undefined
        ? 'wrong code, or a code already used: wait for the next code of the authenticator app'
        : 'wrong recovery code, or one already used',
    );
  }
}

export async function signOut(services: Services, secret: string): Promise<void> {
  await deleteSessionByHash(services.db, hashSecret(secret));
}
