import type { Knex } from 'knex';

/** The only SQL over filter_policies and filter_sender_lists; rows as the database returns them. */
export interface FilterPolicyRow {
  tenant_id: string;
  bands: string;
  release_policy: string;
  quarantine_days: number;
  updated_at: string;
}

export interface SenderListRow {
  id: string;
  tenant_id: string;
  list: 'allow' | 'block';
  pattern: string;
  note: string;
  created_at: string;
}

export async function findPolicyRow(q: Knex, tenantId: string): Promise<FilterPolicyRow | undefined> {
  return q<FilterPolicyRow>('filter_policies').where({ tenant_id: tenantId }).first();
}

export async function upsertPolicyRow(q: Knex, row: FilterPolicyRow): Promise<void> {
  await q('filter_policies').insert(row).onConflict('tenant_id').merge();
}

export async function listEntries(q: Knex, tenantId: string, list?: 'allow' | 'block'): Promise<SenderListRow[]> {
  const query = q<SenderListRow>('filter_sender_lists').where({ tenant_id: tenantId });
  if (list) query.where({ list });
  return query.orderBy(['list', 'pattern']);
}

export async function countEntries(q: Knex, tenantId: string): Promise<number> {
  const r = (await q('filter_sender_lists').where({ tenant_id: tenantId }).count({ n: '*' }).first()) as { n: number | string };
  return Number(r.n);
}

export async function findEntry(q: Knex, tenantId: string, list: 'allow' | 'block', pattern: string): Promise<SenderListRow | undefined> {
  return q<SenderListRow>('filter_sender_lists').where({ tenant_id: tenantId, list, pattern }).first();
}

export async function findEntryById(q: Knex, tenantId: string, id: string): Promise<SenderListRow | undefined> {
  return q<SenderListRow>('filter_sender_lists').where({ tenant_id: tenantId, id }).first();
}

export async function insertEntry(q: Knex, row: SenderListRow): Promise<void> {
  await q('filter_sender_lists').insert(row);
}

export async function deleteEntry(q: Knex, id: string): Promise<void> {
  await q('filter_sender_lists').where({ id }).delete();
}
