import { z } from 'zod';
import type { Services } from '../../../platform/context';
import { AppError } from '../../../platform/errors';
import { verifyPasswordOrDummy } from '../../../platform/passwords';
import { beginSignInAttempt } from '../../../tenancy/shared/sign-in-limits';
import { findAccountByAddress } from '../../../tenancy/repositories/accounts';
import { findLogin } from '../repositories/outbound';

export const authenticateSubmitterInput = z.object({
  username: z.string().trim().toLowerCase().min(1).max(320),
  password: z.string().max(1024),
  clientAddress: z.string().optional(),
});
export type AuthenticateSubmitterInput = z.input<typeof authenticateSubmitterInput>;

export interface Submitter {
  accountId: string;
  tenantId: string;
  username: string;
}

/**
 * AUTH PLAIN / LOGIN on the submission port: the password is checked exactly as Dovecot's passdb checks
 * an IMAP login (the row of the view mail_users that its password_query reads: an account, not an alias,
 * with login enabled; the {BLF-CRYPT} hash), and the sign-in limits of the staff sign-in apply
 * (tenancy/shared/sign-in-limits: per account and per client address, in Redis, a growing delay, then a
 * lock). One answer for an unknown address and a wrong password.
 */
export async function authenticateSubmitter(
  deps: Pick<Services, 'db' | 'redis' | 'config'>,
  raw: AuthenticateSubmitterInput,
): Promise<Submitter> {
  const input = authenticateSubmitterInput.parse(raw);
  const attempt = await beginSignInAttempt(deps.redis, input.username, input.clientAddress);
  const login = await findLogin(deps.db, input.username);
  const ok = await verifyPasswordOrDummy(input.password, login?.password ?? null, deps.config.passwordCost);
  const account = ok && login ? await findAccountByAddress(deps.db, login.username) : undefined;
  if (!ok || !account) {
    await attempt.failed();
    throw new AppError('unauthenticated', 'Authentication credentials invalid');
  }
  await attempt.succeeded();
  return { accountId: account.id, tenantId: account.tenant_id, username: account.address };
}
