import { parse as parseCookie } from 'cookie';
import type { Request } from 'express';
import type { Actor } from '../../platform/actor';
import type { Services } from '../../platform/context';
import { actorOfSession, actorOfToken } from '../../tenancy/use-cases/resolve-credential';
import { SESSION_COOKIE, TOKEN_PREFIX } from '../../tenancy/shared/tokens';
import { MAIL_SESSION_COOKIE, mailUserOf } from '../../backup/use-cases/sign-in-mail-user';

/** One cookie of the request; `cookie` leaves a value with a malformed %-escape as it is instead of throwing. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  return header ? parseCookie(header)[name] : undefined;
}

/**
 * Resolves the actor of a request from `Authorization: Bearer pwk_…` (automation) or the portal's
 * session cookie. Returns null when neither is present or valid; the caller answers 401. An expired
 * token (401 token_expired) and a suspended tenant's staff or token (403 tenant_suspended) throw.
 */
export async function authenticate(services: Pick<Services, 'db' | 'config'>, req: Request): Promise<Actor | null> {
  const { db } = services;
  const ip = req.ip;
  const auth = req.get('authorization');
  if (auth) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    if (!m || !m[1]!.startsWith(TOKEN_PREFIX)) return null;
    return actorOfToken({ db }, m[1]!, ip);
  }
  const session = readCookie(req.get('cookie'), SESSION_COOKIE);
  if (session) return actorOfSession(services, session, ip);
  // an account's own user, signed in for backup self-service (a cookie of its own)
  const mailSession = readCookie(req.get('cookie'), MAIL_SESSION_COOKIE);
  if (mailSession) return (await mailUserOf({ db }, mailSession, ip).catch(() => null))?.actor ?? null;
  return null;
}
