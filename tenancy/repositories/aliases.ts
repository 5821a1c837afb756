import type { Knex } from 'knex';
import { paginate, type Page } from '../../platform/db/paginate';
import type { AliasRow, ForwardingRow } from './rows';

export async function findAlias(q: Knex, tenantId: string, id: string): Promise<AliasRow | undefined> {
  return q<AliasRow>('aliases').where({ id, tenant_id: tenantId }).first();
}

export async function insertAlias(q: Knex, row: AliasRow): Promise<void> {
  await q('aliases').insert(row);
}

export async function deleteAlias(q: Knex, id: string): Promise<void> {
  await q('aliases').where({ id }).delete();
}

export async function listAliases(
  q: Knex,
  tenantId: string,
  filter: { accountId?: string | undefined; domainId?: string | undefined; search?: string | undefined },
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<AliasRow & { account_address: string }>> {
  const query = q('aliases')
    .join('accounts', 'accounts.id', 'aliases.account_id')
    .where('aliases.tenant_id', tenantId)
    .select('aliases.*', 'accounts.address as account_address');
  if (filter.accountId) query.where('aliases.account_id', filter.accountId);
  if (filter.domainId) query.where('aliases.domain_id', filter.domainId);
  if (filter.search) query.whereRaw(`aliases.address LIKE ? ESCAPE '\\'`, [filter.search]);
  return paginate<AliasRow & { account_address: string } & Record<string, unknown>>(query, { ...page, key: 'aliases.address' });
}

export async function aliasesOfAccount(q: Knex, accountId: string): Promise<AliasRow[]> {
  return q<AliasRow>('aliases').where({ account_id: accountId }).orderBy('address');
}

export async function findForwarding(q: Knex, tenantId: string, id: string): Promise<ForwardingRow | undefined> {
  return q<ForwardingRow>('forwardings').where({ id, tenant_id: tenantId }).first();
}

export async function findForwardingByTarget(q: Knex, accountId: string, target: string): Promise<ForwardingRow | undefined> {
  return q<ForwardingRow>('forwardings').where({ account_id: accountId, target_address: target }).first();
}

export async function insertForwarding(q: Knex, row: ForwardingRow): Promise<void> {
  await q('forwardings').insert(row);
}

export async function deleteForwarding(q: Knex, id: string): Promise<void> {
  await q('forwardings').where({ id }).delete();
}

export async function forwardingsOfAccount(q: Knex, accountId: string): Promise<ForwardingRow[]> {
  return q<ForwardingRow>('forwardings').where({ account_id: accountId }).orderBy('target_address');
}

export async function findAliasById(q: Knex, id: string): Promise<AliasRow | undefined> {
  return q<AliasRow>('aliases').where({ id }).first();
}

export async function findAliasByAddress(q: Knex, address: string): Promise<AliasRow | undefined> {
  return q<AliasRow>('aliases').where({ address }).first();
}

export async function countForwardings(q: Knex, accountId: string): Promise<number> {
  const row = await q('forwardings').where({ account_id: accountId }).count({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

/** The aliases of many accounts, in one query. */
export async function aliasesOfAccounts(q: Knex, accountIds: string[]): Promise<AliasRow[]> {
  if (!accountIds.length) return [];
  return q<AliasRow>('aliases').whereIn('account_id', accountIds);
}
