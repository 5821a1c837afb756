import type { Knex } from 'knex';
import type { BackupBlobRow, BackupKeyRow } from './rows';

export async function findBackupKey(q: Knex, tenantId: string): Promise<BackupKeyRow | undefined> {
  return q<BackupKeyRow>('backup_keys').where({ tenant_id: tenantId }).first();
}

/** Inserts the tenant's key unless one exists (two workers creating it at once): the first one wins. */
export async function insertBackupKeyIfAbsent(q: Knex, row: BackupKeyRow): Promise<void> {
  await q('backup_keys').insert(row).onConflict('tenant_id').ignore();
}

/** Many body rows at once (5 columns a row: well below SQLite's parameter limit per statement). */
export async function recordBlobs(q: Knex, rows: BackupBlobRow[]): Promise<void> {
  const unique = [...new Map(rows.map((r) => [r.hash, r])).values()];
  for (let i = 0; i < unique.length; i += 100) {
    await q('backup_blobs')
      .insert(unique.slice(i, i + 100))
      .onConflict(['tenant_id', 'hash'])
      .ignore();
  }
}

export async function findBlob(q: Knex, tenantId: string, hash: string): Promise<BackupBlobRow | undefined> {
  return q<BackupBlobRow>('backup_blobs').where({ tenant_id: tenantId, hash }).first();
}

export async function deleteBlobRow(q: Knex, tenantId: string, hash: string): Promise<void> {
  await q('backup_blobs').where({ tenant_id: tenantId, hash }).delete();
}
