import type { Knex } from 'knex';

/** The link of a directory entry (its stable id) to the account it provisioned (directory_entries). */
export interface EntryRow {
  tenant_id: string;
  stable_id: string;
  account_id: string;
  dn: string;
  synced_at: string;
}

export async function entriesByStableIds(q: Knex, tenantId: string, ids: string[]): Promise<EntryRow[]> {
  if (!ids.length) return [];
  return q<EntryRow>('directory_entries').where({ tenant_id: tenantId }).whereIn('stable_id', ids);
}

export async function entryOfAccount(q: Knex, accountId: string): Promise<EntryRow | undefined> {
  return q<EntryRow>('directory_entries').where({ account_id: accountId }).first();
}

export async function insertEntry(q: Knex, row: EntryRow): Promise<void> {
  await q('directory_entries').insert(row);
}

export async function updateEntry(q: Knex, tenantId: string, stableId: string, patch: Partial<EntryRow>): Promise<void> {
  await q('directory_entries').where({ tenant_id: tenantId, stable_id: stableId }).update(patch);
}

/** The tenant's links in stable-id order, a page after `after`: for the sweep of entries the directory no longer has. */
export async function entriesAfter(q: Knex, tenantId: string, after: string, limit: number): Promise<EntryRow[]> {
  return q<EntryRow>('directory_entries').where({ tenant_id: tenantId }).where('stable_id', '>', after).orderBy('stable_id').limit(limit);
}

export async function countEntries(q: Knex, tenantId: string): Promise<number> {
  const r = await q('directory_entries').where({ tenant_id: tenantId }).count({ n: '*' }).first();
  return Number(r?.n ?? 0);
}

export async function entriesByAccountIds(q: Knex, accountIds: string[]): Promise<EntryRow[]> {
  if (!accountIds.length) return [];
  return q<EntryRow>('directory_entries').whereIn('account_id', accountIds);
}
