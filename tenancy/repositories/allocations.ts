import type { Knex } from 'knex';
import { paginate, type Page } from '../../platform/db/paginate';

/**
 * Pools and allocations: the columns tenants.pool_bytes, tenants.default_allocation_bytes and
 * accounts.allocation_bytes, as quotas/ reads and writes them (quotas owns the rule "allocations never
 * exceed the pool"; tenancy owns the rows). Also the delivery graph quotas follows for mayAccept
 * (aliases, forwardings).
 */
type Q = Knex;

export interface TenantQuotaRow {
  id: string;
  status: string;
  pool_bytes: number;
  default_allocation_bytes: number;
}

export interface AccountAllocationRow {
  id: string;
  tenant_id: string;
  address: string;
  status: string;
  allocation_bytes: number;
}

const num = (v: unknown): number => Number(v ?? 0);

function account(r: Record<string, unknown>): AccountAllocationRow {
  return {
    id: String(r.id),
    tenant_id: String(r.tenant_id),
    address: String(r.address),
    status: String(r.status),
    allocation_bytes: num(r.allocation_bytes),
  };
}

/**
 * The tenant's pool under a lock, with the sum allocated (quotas/shared/pool.ts says why): on
 * PostgreSQL a row lock on the tenant (SELECT … FOR UPDATE), so changes of one tenant queue up.
 * Deleting accounts keep their allocation until purged: their mailbox still occupies the storage.
 */
export async function lockTenantPool(
  trx: Knex.Transaction,
  tenantId: string,
): Promise<{ poolBytes: number; allocatedBytes: number } | null> {
  const q = trx('tenants').where({ id: tenantId }).first('id', 'pool_bytes');
  const tenant = await (trx.client.config.client === 'pg' ? q.forUpdate() : q);
  if (!tenant) return null;
  const row = await trx('accounts').where({ tenant_id: tenantId }).sum({ s: 'allocation_bytes' }).first();
  return { poolBytes: num(tenant.pool_bytes), allocatedBytes: num(row?.s) };
}

export async function findTenantPool(q: Q, tenantId: string): Promise<TenantQuotaRow | null> {
  const r = await q('tenants').where({ id: tenantId }).first('id', 'status', 'pool_bytes', 'default_allocation_bytes');
  return r
    ? { id: r.id, status: r.status, pool_bytes: num(r.pool_bytes), default_allocation_bytes: num(r.default_allocation_bytes) }
    : null;
}

export async function updatePool(
  q: Q,
  tenantId: string,
  values: { poolBytes: number; defaultAllocationBytes: number },
  now: string,
): Promise<void> {
  await q('tenants')
    .where({ id: tenantId })
    .update({ pool_bytes: values.poolBytes, default_allocation_bytes: values.defaultAllocationBytes, updated_at: now });
}

export async function allocationTotals(q: Q, tenantId: string): Promise<{ allocatedBytes: number; accounts: number }> {
  const r = await q('accounts')
    .where({ tenant_id: tenantId })
    .first(q.raw('coalesce(sum(allocation_bytes), 0) as s'), q.raw('count(*) as n'));
  return { allocatedBytes: num(r?.s), accounts: num(r?.n) };
}

/** The tenant's accounts among `ids` (others, and other tenants' accounts, are simply absent). */
export async function findAccountAllocations(q: Q, tenantId: string, ids: string[]): Promise<AccountAllocationRow[]> {
  if (!ids.length) return [];
  const rows = await q('accounts')
    .where({ tenant_id: tenantId })
    .whereIn('id', ids)
    .select('id', 'tenant_id', 'address', 'status', 'allocation_bytes');
  return rows.map(account);
}

/** Several accounts' allocations in one statement (one round trip while the pool lock is held). */
export async function setAllocations(q: Q, changes: Array<{ accountId: string; bytes: number }>, now: string): Promise<void> {
  if (!changes.length) return;
  const cases = changes.map(() => 'WHEN ? THEN CAST(? AS bigint)').join(' ');
  await q('accounts')
    .whereIn(
      'id',
      changes.map((c) => c.accountId),
    )
    .update({
      allocation_bytes: q.raw(
        `CASE id ${cases} END`,
        changes.flatMap((c) => [c.accountId, c.bytes]),
      ),
      updated_at: now,
    });
}

export async function findAllocationByAddress(q: Q, address: string): Promise<AccountAllocationRow | null> {
  const r = await q('accounts').where({ address }).first('id', 'tenant_id', 'address', 'status', 'allocation_bytes');
  return r ? account(r) : null;
}

export async function findAllocationById(q: Q, id: string): Promise<AccountAllocationRow | null> {
  const r = await q('accounts').where({ id }).first('id', 'tenant_id', 'address', 'status', 'allocation_bytes');
  return r ? account(r) : null;
}

export async function findAliasTarget(q: Q, address: string): Promise<AccountAllocationRow | null> {
  const r = await q('aliases')
    .join('accounts', 'accounts.id', 'aliases.account_id')
    .where('aliases.address', address)
    .first('accounts.id', 'accounts.tenant_id', 'accounts.address', 'accounts.status', 'accounts.allocation_bytes');
  return r ? account(r) : null;
}

export async function forwardingsOf(q: Q, accountId: string): Promise<Array<{ target_address: string; keep_copy: boolean }>> {
  const rows = await q('forwardings').where({ account_id: accountId }).select('target_address', 'keep_copy');
  return rows.map((r) => ({ target_address: String(r.target_address).toLowerCase(), keep_copy: num(r.keep_copy) === 1 }));
}

/** A tenant's accounts with their allocations, paged by address (quotas adds the usage). */
export async function allocationsPage(
  q: Q,
  tenantId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<AccountAllocationRow>> {
  const query = q('accounts').where({ tenant_id: tenantId }).select('id', 'tenant_id', 'address', 'status', 'allocation_bytes');
  const rows = await paginate<Record<string, unknown>>(query, { ...page, key: 'address' });
  return { items: rows.items.map(account), nextCursor: rows.nextCursor };
}

/** Accounts of every tenant (or one), paged by id, for collection and reconciliation. */
export async function accountsAfter(
  q: Q,
  opts: { afterId: string | null; limit: number; tenantId?: string | undefined },
): Promise<AccountAllocationRow[]> {
  const query = q('accounts').select('id', 'tenant_id', 'address', 'status', 'allocation_bytes').orderBy('id').limit(opts.limit);
  if (opts.afterId) query.where('id', '>', opts.afterId);
  if (opts.tenantId) query.where({ tenant_id: opts.tenantId });
  return (await query).map(account);
}

/** Every tenant's pool and what its accounts have been allocated of it (the metrics' pool figures). */
export async function poolsOfAllTenants(
  q: Q,
): Promise<Array<{ tenant_id: string; slug: string; pool_bytes: number; allocated_bytes: number }>> {
  const allocated = q('accounts').select('tenant_id').sum({ s: 'allocation_bytes' }).groupBy('tenant_id').as('a');
  const rows = await q('tenants')
    .leftJoin(allocated, 'a.tenant_id', 'tenants.id')
    .select('tenants.id', 'tenants.slug', 'tenants.pool_bytes', q.raw('coalesce(a.s, 0) as allocated'))
    .orderBy('tenants.slug');
  return rows.map((r: { id: string; slug: string; pool_bytes: unknown; allocated: unknown }) => ({
    tenant_id: r.id,
    slug: r.slug,
    pool_bytes: num(r.pool_bytes),
    allocated_bytes: num(r.allocated),
  }));
}
