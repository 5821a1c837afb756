import { parse as parseCookie } from 'cookie';
import type { Request } from 'express';
import type { Actor, Role } from '../../platform/actor';
import type { Db } from '../../platform/db';
import { findLiveToken, findSessionUser, updateToken } from '../../tenancy/repositories/staff';
import { hashSecret, SESSION_COOKIE, TOKEN_PREFIX } from '../../tenancy/shared/tokens';
import { MAIL_SESSION_COOKIE, mailUserOf } from '../../backup/use-cases/sign-in-mail-user';

/**
 * Resolves the actor of a request from `Authorization: Bearer pwk_…` (automation) or the portal's
 * session cookie. Returns null when neither is present or valid; the caller answers 401.
 */
const TOKEN_USE_RESOLUTION_MS = 60_000;

/** One cookie of the request; `cookie` leaves a value with a malformed %-escape as it is instead of throwing. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  return header ? parseCookie(header)[name] : undefined;
}

export async function authenticate(db: Db, req: Request): Promise<Actor | null> {
  const now = new Date().toISOString();
  const ip = req.ip;
  const auth = req.get('authorization');
  if (auth) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    if (!m || !m[1]!.startsWith(TOKEN_PREFIX)) return null;
    const token = await findLiveToken(db, hashSecret(m[1]!), now);
    if (!token) return null;
    // last_used_at is for humans reviewing tokens: minute precision is plenty, and writing it on every
    // request would make one busy token a hot row. A failed update must not fail the request.
    if (!token.last_used_at || Date.parse(token.last_used_at) < Date.now() - TOKEN_USE_RESOLUTION_MS) {
      updateToken(db, token.id, { last_used_at: now }).catch(() => undefined);
    }
    return { kind: 'token', id: token.id, label: `token:${token.name}`, role: token.role as Role, tenantId: token.tenant_id, ip };
  }
  const session = readCookie(req.get('cookie'), SESSION_COOKIE);
  if (session) {
    const row = await findSessionUser(db, hashSecret(session), now);
    if (!row) return null;
    return { kind: 'staff', id: row.id, label: row.email, role: row.role as Role, tenantId: row.tenant_id, ip };
  }
  // an account's own user, signed in for backup self-service (a cookie of its own)
  const mailSession = readCookie(req.get('cookie'), MAIL_SESSION_COOKIE);
  if (mailSession) return (await mailUserOf({ db }, mailSession, ip).catch(() => null))?.actor ?? null;
  return null;
}
