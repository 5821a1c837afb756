import type { Knex } from 'knex';

/** SQL of restore drills' scratch mailboxes (the drill results are backup_checks rows: maintenance.ts). */
export interface ScratchMailboxRow {
  tenant_id: string;
  address: string;
  mail_path: string;
  quota_bytes: number;
  created_at: string;
}

export async function findScratchMailbox(q: Knex, tenantId: string): Promise<ScratchMailboxRow | undefined> {
  return q<ScratchMailboxRow>('backup_scratch_mailboxes').where({ tenant_id: tenantId }).first();
}

/** Idempotent: two drills creating it at once leave one row. */
export async function insertScratchMailboxIfAbsent(q: Knex, row: ScratchMailboxRow): Promise<void> {
  await q('backup_scratch_mailboxes').insert(row).onConflict('tenant_id').ignore();
}
