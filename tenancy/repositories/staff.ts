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
