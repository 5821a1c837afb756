import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Ctx, Services } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { verifyPasswordOrDummy } from '../../platform/passwords';
import { deleteSessionByHash, findActiveStaffByEmail, insertSession } from '../repositories/staff';
import { findTenant } from '../repositories/tenants';
import { beginSignInAttempt } from '../shared/sign-in-limits';
import { assertTenantNotSuspended } from '../shared/support';
import { hashSecret, newSecret, SESSION_TTL_MS } from '../shared/tokens';

/**
 * Portal sign-in of a staff user: checks the password and opens a session; returns the session secret.
 * Braked per account and per client address (shared/sign-in-limits.ts); the client address is the
 * actor's, which the API takes from the socket or from the proxies POSTWERK_TRUST_PROXY names.
 */
export const signInInput = z.strictObject({ email: z.email().max(320), password: z.string().min(1).max(200) });
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
    },
  };
}

export async function signOut(services: Services, secret: string): Promise<void> {
  await deleteSessionByHash(services.db, hashSecret(secret));
}
