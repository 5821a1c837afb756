import type { Knex } from 'knex';
import { paginate, type Page } from '../../platform/db/paginate';
import type { StaffRow, TokenRow } from './rows';

export async function findStaff(q: Knex, id: string): Promise<StaffRow | undefined> {
  return q<StaffRow>('staff_users').where({ id }).first();
}

export async function findStaffByEmail(q: Knex, email: string): Promise<StaffRow | undefined> {
  return q<StaffRow>('staff_users').where({ email }).first();
}

export async function insertStaff(q: Knex, row: StaffRow): Promise<void> {
  await q('staff_users').insert(row);
}

export async function updateStaff(q: Knex, id: string, patch: Partial<StaffRow>): Promise<void> {
  await q('staff_users').where({ id }).update(patch);
}

export async function deleteSessionsOf(q: Knex, userId: string): Promise<void> {
  await q('sessions').where({ user_id: userId }).delete();
}

export async function listStaff(
  q: Knex,
  filter: { tenantId?: string | null | undefined; role?: string | undefined },
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<StaffRow>> {
  const query = q<StaffRow>('staff_users').select('*');
  if (filter.tenantId) query.where({ tenant_id: filter.tenantId });
  if (filter.role) query.where({ role: filter.role });
  return paginate<StaffRow & Record<string, unknown>>(query, { ...page, key: 'email' });
}

export async function findToken(q: Knex, id: string): Promise<TokenRow | undefined> {
  return q<TokenRow>('api_tokens').where({ id }).first();
}

export async function insertToken(q: Knex, row: TokenRow): Promise<void> {
  await q('api_tokens').insert(row);
}

export async function updateToken(q: Knex, id: string, patch: Partial<TokenRow>): Promise<void> {
  await q('api_tokens').where({ id }).update(patch);
}

export async function listTokens(
  q: Knex,
  filter: { tenantId?: string | null | undefined; includeRevoked?: boolean },
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<TokenRow>> {
  const query = q<TokenRow>('api_tokens').select('*');
  if (filter.tenantId) query.where({ tenant_id: filter.tenantId });
  if (!filter.includeRevoked) query.whereNull('revoked_at');
  return paginate<TokenRow & Record<string, unknown>>(query, { ...page, key: 'id' });
}

export async function findActiveStaffByEmail(q: Knex, email: string): Promise<StaffRow | undefined> {
  return q<StaffRow>('staff_users').where({ email, status: 'active' }).first();
}

export interface SessionRow {
  id: string;
  token_hash: string;
  user_id: string;
  created_at: string;
  expires_at: string;
}

export async function insertSession(q: Knex, row: SessionRow): Promise<void> {
  await q('sessions').insert(row);
}

/** Deletes up to `batch` sessions that expired before `now`; returns how many. */
export async function deleteExpiredSessions(q: Knex, now: string, batch: number): Promise<number> {
  const ids = q('sessions').select('id').where('expires_at', '<=', now).limit(batch);
  return q('sessions').whereIn('id', ids).delete();
}

export async function deleteSessionByHash(q: Knex, tokenHash: string): Promise<void> {
  await q('sessions').where({ token_hash: tokenHash }).delete();
}

/** The staff user of an unexpired session, when that user is active, with their tenant's status (null: platform staff). */
export async function findSessionUser(
  q: Knex,
  tokenHash: string,
  now: string,
): Promise<(Pick<StaffRow, 'id' | 'email' | 'role' | 'tenant_id' | 'totp_enabled_at'> & { tenant_status: string | null }) | undefined> {
  return q('sessions')
    .join('staff_users', 'staff_users.id', 'sessions.user_id')
    .leftJoin('tenants', 'tenants.id', 'staff_users.tenant_id')
    .where('sessions.token_hash', tokenHash)
    .andWhere('sessions.expires_at', '>', now)
    .andWhere('staff_users.status', 'active')
    .first(
      'staff_users.id',
      'staff_users.email',
      'staff_users.role',
      'staff_users.tenant_id',
      'staff_users.totp_enabled_at',
      'tenants.status as tenant_status',
    );
}

/**
 * An unrevoked API token by the hash of its secret, expired or not, with its owner's status (null when
 * the token has no owner, or its owner's row is gone) and its tenant's status (null: platform token).
 */
export async function findTokenCredential(
  q: Knex,
  tokenHash: string,
): Promise<(TokenRow & { owner_status: string | null; tenant_status: string | null }) | undefined> {
  return q('api_tokens')
    .leftJoin('staff_users', 'staff_users.id', 'api_tokens.created_by')
    .leftJoin('tenants', 'tenants.id', 'api_tokens.tenant_id')
    .where('api_tokens.token_hash', tokenHash)
    .whereNull('api_tokens.revoked_at')
    .first('api_tokens.*', 'staff_users.status as owner_status', 'tenants.status as tenant_status');
}

/** Revokes every live token the staff user owns; returns their ids. */
export async function revokeTokensOwnedBy(q: Knex, staffId: string, now: string): Promise<string[]> {
  const rows: { id: string }[] = await q('api_tokens').select('id').where({ created_by: staffId }).whereNull('revoked_at').orderBy('id');
  if (rows.length > 0)
    await q('api_tokens')
      .whereIn(
        'id',
        rows.map((r) => r.id),
      )
      .update({ revoked_at: now });
  return rows.map((r) => r.id);
}

/** Ends every session of the user except the one with this token hash; returns how many ended. */
export async function deleteSessionsOfExcept(q: Knex, userId: string, keepTokenHash: string | null): Promise<number> {
  const query = q('sessions').where({ user_id: userId });
  if (keepTokenHash) query.whereNot({ token_hash: keepTokenHash });
  return query.delete();
}

/**
 * Takes TOTP time step `step` for the user when it is later than the last one taken: true when taken,
 * false when this step (or a later one) was used already. One conditional UPDATE, so two requests with
 * the same code cannot both pass.
 */
export async function claimTotpStep(q: Knex, userId: string, step: number): Promise<boolean> {
  const n = await q('staff_users')
    .where({ id: userId })
    .andWhere((w) => w.whereNull('totp_last_step').orWhere('totp_last_step', '<', step))
    .update({ totp_last_step: step });
  return n === 1;
}

export interface RecoveryCodeRow {
  id: string;
  user_id: string;
  code_hash: string;
  created_at: string;
  used_at: string | null;
}

/** Replaces the user's recovery codes (all of them, used or not) with these hashes. */
export async function replaceRecoveryCodes(q: Knex, userId: string, rows: RecoveryCodeRow[]): Promise<void> {
  await q('staff_recovery_codes').where({ user_id: userId }).delete();
  if (rows.length) await q('staff_recovery_codes').insert(rows);
}

export async function deleteRecoveryCodes(q: Knex, userId: string): Promise<void> {
  await q('staff_recovery_codes').where({ user_id: userId }).delete();
}

/** Spends one unused recovery code of the user by its hash: true when it was there and unused. */
export async function useRecoveryCode(q: Knex, userId: string, codeHash: string, now: string): Promise<boolean> {
  const n = await q('staff_recovery_codes').where({ user_id: userId, code_hash: codeHash }).whereNull('used_at').update({ used_at: now });
  return n >= 1;
}

export async function countUnusedRecoveryCodes(q: Knex, userId: string): Promise<number> {
  const row = (await q('staff_recovery_codes').where({ user_id: userId }).whereNull('used_at').count({ n: '*' }).first()) as
    { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}
