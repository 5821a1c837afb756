import type { Knex } from 'knex';
import { paginate, type Page } from '../../platform/db/paginate';
import type { DomainRow } from './rows';

export async function findDomain(q: Knex, tenantId: string, id: string): Promise<DomainRow | undefined> {
  return q<DomainRow>('domains').where({ id, tenant_id: tenantId }).first();
}

/** By name across all tenants: a domain name is unique platform-wide. */
export async function findDomainByName(q: Knex, name: string): Promise<DomainRow | undefined> {
  return q<DomainRow>('domains').where({ name }).first();
}

export async function insertDomain(q: Knex, row: DomainRow): Promise<void> {
  await q('domains').insert(row);
}

export async function updateDomain(q: Knex, id: string, patch: Partial<DomainRow>): Promise<void> {
  await q('domains').where({ id }).update(patch);
}

export async function listDomains(
  q: Knex,
  tenantId: string,
  filter: { status?: string | undefined; verification?: string | undefined; search?: string | undefined },
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<DomainRow>> {
  const query = q<DomainRow>('domains').where({ tenant_id: tenantId }).select('*');
  if (filter.status) query.where('status', filter.status);
  if (filter.verification) query.where('verification_status', filter.verification);
  if (filter.search) query.whereRaw(`name LIKE ? ESCAPE '\\'`, [filter.search]);
  return paginate<DomainRow & Record<string, unknown>>(query, { ...page, key: 'name' });
}

export async function findDomainById(q: Knex, id: string): Promise<DomainRow | undefined> {
  return q<DomainRow>('domains').where({ id }).first();
}

/** Pending domains for the verification sweep, least recently checked (never checked) first. */
export async function listPendingDomains(q: Knex, limit: number): Promise<DomainRow[]> {
  return q<DomainRow>('domains')
    .where({ verification_status: 'pending' })
    .orderByRaw('verification_checked_at IS NOT NULL, verification_checked_at, id')
    .limit(limit);
}
