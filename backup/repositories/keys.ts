import type { Knex } from 'knex';
import type { BackupBlobRow, BackupKeyRow } from './rows';

export async function findBackupKey(q: Knex, tenantId: string): Promise<BackupKeyRow | undefined> {
  return q<BackupKeyRow>('backup_keys').where({ tenant_id: tenantId }).first();
}

/** Inserts the tenant's key unless one exists (two workers creating it at once): the first one wins. */
export async function insertBackupKeyIfAbsent(q: Knex, row: BackupKeyRow): Promise<void> {
  await q('backup_keys').insert(row).onConflict('tenant_id').ignore();
}

export async function recordBlob(q: Knex, row: BackupBlobRow): Promise<void> {
  await q('backup_blobs').insert(row).onConflict(['tenant_id', 'hash']).ignore();
}

export async function findBlob(q: Knex, tenantId: string, hash: string): Promise<BackupBlobRow | undefined> {
  return q<BackupBlobRow>('backup_blobs').where({ tenant_id: tenantId, hash }).first();
}

export async function deleteBlobRow(q: Knex, tenantId: string, hash: string): Promise<void> {
  await q('backup_blobs').where({ tenant_id: tenantId, hash }).delete();
}
