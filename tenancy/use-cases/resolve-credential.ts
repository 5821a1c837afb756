import type { Actor, Role } from '../../platform/actor';
import type { Services } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { findSessionUser, findTokenCredential, updateToken } from '../repositories/staff';
import { isSecondFactorRequired, staffActorOf } from '../shared/second-factor';
import { assertTenantNotSuspended } from '../shared/support';
import { hashSecret } from '../shared/tokens';

/** last_used_at is for humans reviewing tokens: minute precision is plenty (see actorOfToken). */
const TOKEN_USE_RESOLUTION_MS = 60_000;

/**
 * The actor of an API token secret (`pwk_…`), or null (the caller answers 401 unauthenticated) when no
 * unrevoked token has it or when the staff user who owns it is disabled or deleted. An expired token
 * gets 401 token_expired, a token of a suspended tenant 403 tenant_suspended.
 */
export async function actorOfToken(services: Pick<Services, 'db'>, secret: string, ip: string | undefined): Promise<Actor | null> {
  const token = await findTokenCredential(services.db, hashSecret(secret));
  if (!token) return null;
  if (token.created_by !== null && token.owner_status !== 'active') return null;
  if (token.expires_at !== null && Date.parse(token.expires_at) <= Date.now())
    throw new AppError('token_expired', `API token ${token.prefix}… expired at ${token.expires_at}; create a new one`);
  assertTenantNotSuspended(token.tenant_status);
  // Writing last_used_at on every request would make one busy token a hot row; a failed update must not
  // fail the request.
  if (!token.last_used_at || Date.parse(token.last_used_at) < Date.now() - TOKEN_USE_RESOLUTION_MS) {
    updateToken(services.db, token.id, { last_used_at: new Date().toISOString() }).catch(() => undefined);
  }
  return {
    kind: 'token',
    id: token.id,
    label: `token:${token.name}`,
    role: token.role as Role,
    tenantId: token.tenant_id,
    ...(ip !== undefined ? { ip } : {}),
  };
}

/**
 * The staff user of a portal session secret, or null (401) when the session is unknown, expired or its
 * user disabled. A user whose role must have a second factor and who has none yet is marked
 * (`secondFactorEnrolmentRequired`): the API then lets them enrol and little else.
 */
export async function actorOfSession(
  services: Pick<Services, 'db' | 'config'>,
  secret: string,
  ip: string | undefined,
): Promise<Actor | null> {
  const row = await findSessionUser(services.db, hashSecret(secret), new Date().toISOString());
  if (!row) return null;
  assertTenantNotSuspended(row.tenant_status);
  const mustEnrol = !row.totp_enabled_at && isSecondFactorRequired(services.config, row.role);
  return { ...staffActorOf(row, ip), ...(mustEnrol ? { secondFactorEnrolmentRequired: true } : {}) };
}
