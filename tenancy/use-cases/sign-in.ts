import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Services } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { verifyPassword } from '../../platform/passwords';
import { deleteSessionByHash, findActiveStaffByEmail, insertSession } from '../repositories/staff';
import { hashSecret, newSecret, SESSION_TTL_MS } from '../shared/tokens';

/** Portal sign-in of a staff user: checks the password and opens a session; returns the session secret. */
export const signInInput = z.strictObject({ email: z.email().max(320), password: z.string().min(1).max(200) });
export type SignInInput = z.infer<typeof signInInput>;

export async function signIn(services: Services, input: SignInInput) {
  const user = await findActiveStaffByEmail(services.db, input.email.toLowerCase());
  // Same answer for an unknown user and a wrong password: no probing for who has an account.
  const ok = user ? await verifyPassword(input.password, user.password_hash) : false;
  if (!user || !ok) throw new AppError('unauthenticated', 'wrong e-mail address or password');
  const secret = newSecret();
  const now = Date.now();
  await insertSession(services.db, {
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
