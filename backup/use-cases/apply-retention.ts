import { z } from 'zod';
import type { Services } from '../../platform/context';
import { inTransaction } from '../../platform/db/transaction';
import { DEFAULT_DELETED_DAYS, DEFAULT_HISTORY_DAYS, DEFAULT_SELF_SERVICE_DAYS } from '../limits';
import * as repo from '../repositories/maintenance';

/**
 * Retention of one tenant's index: expunged messages and deleted folders stay restorable for
 * `deletedDays`, superseded flag states are kept for `historyDays`; older rows go. Bodies are not
 * touched here: garbage collection (collect-garbage.ts) removes the ones nothing names any more.
 */
export const applyRetentionInput = z.strictObject({ tenantId: z.uuid(), now: z.iso.datetime().optional() });
export type ApplyRetentionInput = z.infer<typeof applyRetentionInput>;

export interface RetentionPolicy {
  deletedDays: number;
  historyDays: number;
  selfServiceDays: number;
}

export async function retentionOf(db: Services['db'], tenantId: string): Promise<RetentionPolicy> {
  const row = await repo.findRetention(db, tenantId);
  return {
    deletedDays: row?.deleted_days ?? DEFAULT_DELETED_DAYS,
    historyDays: row?.history_days ?? DEFAULT_HISTORY_DAYS,
    selfServiceDays: row?.self_service_days ?? DEFAULT_SELF_SERVICE_DAYS,
  };
}

const daysBefore = (now: number, days: number) => new Date(now - days * 86_400_000).toISOString();

export async function applyRetention(services: Pick<Services, 'db'>, raw: ApplyRetentionInput) {
  const input = applyRetentionInput.parse(raw);
  const now = input.now ? Date.parse(input.now) : Date.now();
  const policy = await retentionOf(services.db, input.tenantId);
  return inTransaction(services.db, async ({ trx }) => {
    const deleted = await repo.deleteGoneMessagesRows(trx, input.tenantId, daysBefore(now, policy.deletedDays));
    const superseded = await repo.deleteSupersededRows(trx, input.tenantId, daysBefore(now, policy.historyDays));
    const folders = await repo.deleteEmptyGoneFolders(trx, input.tenantId, daysBefore(now, policy.deletedDays));
    return { policy, deletedRows: deleted, supersededRows: superseded, folders };
  });
}
