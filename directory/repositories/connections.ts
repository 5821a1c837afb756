import type { Knex } from 'knex';

/** A tenant's directory connection, as the database holds it (directory_connections). */
export interface ConnectionRow {
  tenant_id: string;
  url: string;
  start_tls: number | boolean;
  ca_pem: string | null;
  bind_dn: string;
  bind_password_sealed: string;
  base_dn: string;
  user_filter: string;
  group_dn: string | null;
  group_mode: 'expand' | 'in-chain';
  mail_attribute: string;
  name_attribute: string;
  alias_attribute: string | null;
  id_attribute: string;
  login_attribute: string;
  enabled_mode: 'always' | 'ad' | 'attribute';
  enabled_attribute: string | null;
  disabled_values: string | null;
  default_allocation_bytes: number | string | null;
  sign_in: number | boolean;
  sync_every_minutes: number | null;
  last_sync_at: string | null;
  last_sync_status: string | null;
  last_sync_result: string | null;
  created_at: string;
  updated_at: string;
}

export async function findConnection(q: Knex, tenantId: string): Promise<ConnectionRow | undefined> {
  return q<ConnectionRow>('directory_connections').where({ tenant_id: tenantId }).first();
}

export async function upsertConnection(q: Knex, row: ConnectionRow): Promise<void> {
  await q('directory_connections').insert(row).onConflict('tenant_id').merge();
}

export async function deleteConnection(q: Knex, tenantId: string): Promise<void> {
  await q('directory_connections').where({ tenant_id: tenantId }).delete();
}

export async function recordSyncResult(q: Knex, tenantId: string, status: string, result: unknown, at: string): Promise<void> {
  await q('directory_connections')
    .where({ tenant_id: tenantId })
    .update({ last_sync_at: at, last_sync_status: status, last_sync_result: JSON.stringify(result) });
}

export async function scheduledConnections(q: Knex): Promise<Array<{ tenant_id: string; sync_every_minutes: number | null }>> {
  return q('directory_connections').select('tenant_id', 'sync_every_minutes');
}
