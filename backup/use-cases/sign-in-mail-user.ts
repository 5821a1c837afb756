import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Actor } from '../../platform/actor';
import type { Services } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { verifyPassword } from '../../platform/passwords';
import { findAccountByAddress } from '../../tenancy/repositories/accounts';
import type { AccountRow } from '../../tenancy/repositories/rows';
import { MAIL_USER_SESSION_TTL_MS } from '../limits';
import { deleteMailSession, findMailSession, insertMailSession } from '../repositories/mail-sessions';

/**
 * Self-service sign-in of an account's own user with the mail password. The password is checked
 * against the account's {BLF-CRYPT} hash exactly as Dovecot's passdb checks it, and only an active
 * account may sign in (as only an active one may log in over IMAP). The session is a random secret,
 * kept as its SHA-256, in `mail_user_sessions` (a staff session names a staff user; this one an account).
 * Its actor is of kind `mail_user`: no role of the permission table, so every staff route refuses it.
 */
export const signInMailUserInput = z.strictObject({
  address: z.string().trim().toLowerCase().min(3).max(320),
  password: z.string().min(1).max(200),
});
export type SignInMailUserInput = z.infer<typeof signInMailUserInput>;

/** The self-service session cookie (apart from the staff one: a browser may hold both). */
export const MAIL_SESSION_COOKIE = 'pw_mail_session';

export const hashSessionSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

/**
 * A password check other than the account's own hash (the directory's bind, directory/): `true`/`false`
 * for an account it manages, `undefined` for one it does not (then the hash is checked). A port, so
 * that this module does not import the one beside it; the composition root passes it in.
 */
export type ExternalPasswordCheck = (account: AccountRow, password: string) => Promise<boolean | undefined>;

export async function signInMailUser(services: Pick<Services, 'db'>, raw: SignInMailUserInput, external?: ExternalPasswordCheck) {
  const input = signInMailUserInput.parse(raw);
  const account = await findAccountByAddress(services.db, input.address);
  // one answer for an unknown address, a wrong password and a closed account: no probing
  const check = async (a: AccountRow) => (await external?.(a, input.password)) ?? (await verifyPassword(input.password, a.password_hash));
  const ok = account && account.status === 'active' ? await check(account) : false;
  if (!account || !ok) throw new AppError('unauthenticated', 'wrong address or password');
  const secret = `pwm_${randomBytes(32).toString('base64url')}`;
  const now = Date.now();
  await insertMailSession(services.db, {
    id: randomUUID(),
    token_hash: hashSessionSecret(secret),
    account_id: account.id,
    created_at: new Date(now).toISOString(),
    expires_at: new Date(now + MAIL_USER_SESSION_TTL_MS).toISOString(),
  });
  return { secret, account: { id: account.id, tenantId: account.tenant_id, address: account.address }, ttlMs: MAIL_USER_SESSION_TTL_MS };
}

export interface MailUser {
  actor: Actor;
  accountId: string;
  tenantId: string;
  address: string;
}

/** The mail user of a session secret, or 401. */
export async function mailUserOf(services: Pick<Services, 'db'>, secret: string | undefined, ip?: string): Promise<MailUser> {
  const row = secret ? await findMailSession(services.db, hashSessionSecret(secret), new Date().toISOString()) : undefined;
  if (!row) throw new AppError('unauthenticated', 'sign in with your mail address and password first');
  return {
    actor: { kind: 'mail_user', id: row.account_id, label: row.address, role: 'mail_user', tenantId: row.tenant_id, ...(ip ? { ip } : {}) },
    accountId: row.account_id,
    tenantId: row.tenant_id,
    address: row.address,
  };
}

export async function signOutMailUser(services: Pick<Services, 'db'>, secret: string): Promise<void> {
  await deleteMailSession(services.db, hashSessionSecret(secret));
}

/** The mail user an authenticated actor of kind mail_user stands for. */
export function mailUserOfActor(actor: Actor): MailUser {
  if (actor.kind !== 'mail_user' || !actor.tenantId) throw new AppError('forbidden', "only an account's own user may do this");
  return { actor, accountId: actor.id, tenantId: actor.tenantId, address: actor.label };
}
