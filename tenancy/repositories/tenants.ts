import type { Knex } from 'knex';
import { paginate, type Page } from '../../platform/db/paginate';
import type { TenantRow } from './rows';

export async function findTenant(q: Knex, id: string): Promise<TenantRow | undefined> {
  return q<TenantRow>('tenants').where({ id }).first();
}

export async function findTenantBySlug(q: Knex, slug: string): Promise<TenantRow | undefined> {
  return q<TenantRow>('tenants').where({ slug }).first();
}

export async function insertTenant(q: Knex, row: TenantRow): Promise<void> {
  await q('tenants').insert(row);
}

export async function updateTenant(q: Knex, id: string, patch: Partial<TenantRow>): Promise<void> {
  await q('tenants').where({ id }).update(patch);
}

export async function listTenants(
  q: Knex,
  filter: { onlyId?: string | null; status?: string | undefined; search?: string | undefined },
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<TenantRow>> {
  const query = q<TenantRow>('tenants').select('*');
  if (filter.onlyId) query.where({ id: filter.onlyId });
  if (filter.status) query.where('status', filter.status);
  if (filter.search) query.whereRaw(`slug LIKE ? ESCAPE '\\'`, [filter.search]);
  return paginate<TenantRow & Record<string, unknown>>(query, { ...page, key: 'slug' });
}

/** Names of the tenant's domains (kicks after a suspension go by domain mask: one call per domain). */
export async function tenantDomainNames(q: Knex, tenantId: string): Promise<string[]> {
  const rows = await q('domains').where({ tenant_id: tenantId }).select('name');
  return rows.map((r: { name: string }) => r.name);
}
