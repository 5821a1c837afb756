import type { Knex } from 'knex';
import { paginate, type Page } from '../../platform/db/paginate';
import type { AccountRow } from './rows';

export async function findAccount(q: Knex, tenantId: string, id: string): Promise<AccountRow | undefined> {
  return q<AccountRow>('accounts').where({ id, tenant_id: tenantId }).first();
}

export async function findAccountById(q: Knex, id: string): Promise<AccountRow | undefined> {
  return q<AccountRow>('accounts').where({ id }).first();
}

export async function findAccountByAddress(q: Knex, address: string): Promise<AccountRow | undefined> {
  return q<AccountRow>('accounts').where({ address }).first();
}

export async function insertAccount(q: Knex, row: AccountRow): Promise<void> {
  await q('accounts').insert(row);
}

export async function updateAccount(q: Knex, id: string, patch: Partial<AccountRow>): Promise<void> {
  await q('accounts').where({ id }).update(patch);
}

export async function deleteAccountRow(q: Knex, id: string): Promise<void> {
  // aliases and forwardings go with it (ON DELETE CASCADE), their namespace claims explicitly
  await q('mail_addresses')
    .whereIn('owner_id', q('aliases').where({ account_id: id }).select('id'))
    .delete();
  await q('aliases').where({ account_id: id }).delete();
  await q('forwardings').where({ account_id: id }).delete();
  await q('mail_addresses').where({ owner_id: id, kind: 'account' }).delete();
  await q('accounts').where({ id }).delete();
}

export interface AccountFilter {
  status?: string | undefined;
  domainId?: string | undefined;
  /** a LIKE pattern, already escaped */
  search?: string | undefined;
}

export async function listAccounts(
  q: Knex,
  tenantId: string,
  filter: AccountFilter,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<AccountRow>> {
  const query = q<AccountRow>('accounts').where({ tenant_id: tenantId }).select('*');
  if (filter.status) query.where('status', filter.status);
  if (filter.domainId) query.where({ domain_id: filter.domainId });
  if (filter.search) query.whereRaw(`address LIKE ? ESCAPE '\\'`, [filter.search]);
  return paginate<AccountRow & Record<string, unknown>>(query, { ...page, key: 'address' });
}

/** Accounts whose grace period is over, oldest first. */
export async function accountsDueForPurge(q: Knex, now: string, limit: number): Promise<Array<Pick<AccountRow, 'id' | 'delete_after'>>> {
  return q<AccountRow>('accounts')
    .where({ status: 'deleting' })
    .andWhere('delete_after', '<=', now)
    .orderBy('delete_after')
    .limit(limit)
    .select('id', 'delete_after');
}

export async function accountsByAddresses(q: Knex, tenantId: string, addresses: string[]): Promise<AccountRow[]> {
  if (addresses.length === 0) return [];
  const out: AccountRow[] = [];
  // chunks keep the IN list under SQLite's bound-parameter limit
  for (let i = 0; i < addresses.length; i += 500) {
    out.push(
      ...(await q<AccountRow>('accounts')
        .where({ tenant_id: tenantId })
        .whereIn('address', addresses.slice(i, i + 500))),
    );
  }
  return out;
}

/** A pending deletion: the status to return to on restore, and who asked. */
export interface DeletionRow {
  account_id: string;
  previous_status: 'active' | 'suspended';
  requested_at: string;
  requested_by: string;
}

export async function insertDeletion(q: Knex, row: DeletionRow): Promise<void> {
  await q('account_deletions').insert(row);
}

export async function findDeletion(q: Knex, accountId: string): Promise<DeletionRow | undefined> {
  return q<DeletionRow>('account_deletions').where({ account_id: accountId }).first();
}

export async function deleteDeletion(q: Knex, accountId: string): Promise<void> {
  await q('account_deletions').where({ account_id: accountId }).delete();
}

/** The tenant's accounts among `ids`, in one query. */
export async function accountsByIds(q: Knex, tenantId: string, ids: string[]): Promise<AccountRow[]> {
  if (!ids.length) return [];
  return q<AccountRow>('accounts').where({ tenant_id: tenantId }).whereIn('id', ids);
}
