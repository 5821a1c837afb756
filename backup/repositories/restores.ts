import type { Knex } from 'knex';
import type { BackupRestoreRow, BackupSettingsRow } from './rows';

export async function insertRestore(q: Knex, row: BackupRestoreRow): Promise<void> {
  await q('backup_restores').insert(row);
}

export async function finishRestore(q: Knex, id: string, patch: Pick<BackupRestoreRow, 'status' | 'stats' | 'finished_at'>): Promise<void> {
  await q('backup_restores').where({ id }).update(patch);
}

export async function findRestore(q: Knex, tenantId: string, id: string): Promise<BackupRestoreRow | undefined> {
  return q<BackupRestoreRow>('backup_restores').where({ tenant_id: tenantId, id }).first();
}

export async function findSettings(q: Knex, tenantId: string): Promise<BackupSettingsRow | undefined> {
  return q<BackupSettingsRow>('backup_settings').where({ tenant_id: tenantId }).first();
}

export async function allSettings(q: Knex): Promise<BackupSettingsRow[]> {
  return q<BackupSettingsRow>('backup_settings').select('*');
}

export async function upsertSettings(q: Knex, row: BackupSettingsRow): Promise<void> {
  await q('backup_settings').insert(row).onConflict('tenant_id').merge();
}
