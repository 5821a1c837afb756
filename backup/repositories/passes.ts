import type { Knex } from 'knex';
import type { BackupPassRow } from './rows';

export async function insertPass(q: Knex, row: BackupPassRow): Promise<void> {
  await q('backup_passes').insert(row);
}

export async function finishPass(
  q: Knex,
  id: string,
  patch: Pick<BackupPassRow, 'status' | 'finished_at' | 'stats' | 'error'>,
): Promise<void> {
  await q('backup_passes').where({ id }).update(patch);
}

export async function lastPasses(q: Knex, tenantId: string, accountId?: string, limit = 50): Promise<BackupPassRow[]> {
  const query = q<BackupPassRow>('backup_passes').where({ tenant_id: tenantId });
  if (accountId) query.where({ account_id: accountId });
  return query.orderBy('started_at', 'desc').limit(limit);
}

/** Per account: the newest finished (done) pass, i.e. the recovery point. */
export async function lastCompletePassPerAccount(q: Knex, tenantId: string): Promise<Array<{ account_id: string; finished_at: string }>> {
  return q('backup_passes')
    .where({ tenant_id: tenantId, status: 'done' })
    .groupBy('account_id')
    .select('account_id', q.raw('MAX(finished_at) as finished_at'));
}
