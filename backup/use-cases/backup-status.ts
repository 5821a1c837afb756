import { z } from 'zod';
import type { Ctx } from '../../platform/context';
import { findLease } from '../repositories/leases';
import { lastPasses } from '../repositories/passes';
import { authorizeTenant, loadAccount, tenantAccounts } from './access';

export const backupStatusInput = z.strictObject({ tenantId: z.uuid(), accountId: z.uuid().optional() });
export type BackupStatusInput = z.infer<typeof backupStatusInput>;

export interface AccountBackupStatus {
  accountId: string;
  address: string;
  running: boolean;
  /** the recovery point: when the newest complete pass finished */
  lastCompleteAt: string | null;
  lastPass: { id: string; status: string; startedAt: string; finishedAt: string | null; stats: unknown; error: string | null } | null;
}

/** Per account: the last pass, the newest complete one (recovery point), and whether one runs now. */
export async function backupStatus(
  ctx: Pick<Ctx, 'db' | 'actor'>,
  raw: BackupStatusInput,
): Promise<{ tenantId: string; accounts: AccountBackupStatus[] }> {
  const input = backupStatusInput.parse(raw);
  await authorizeTenant(ctx, 'backup.read', input.tenantId);
  const accounts = input.accountId
    ? [await loadAccount(ctx.db, input.tenantId, input.accountId)]
    : await tenantAccounts(ctx.db, input.tenantId);
  const out: AccountBackupStatus[] = [];
  for (const a of accounts) {
    const passes = await lastPasses(ctx.db, input.tenantId, a.id, 20);
    const last = passes[0];
    const complete = passes.find((p) => p.status === 'done');
    const lease = await findLease(ctx.db, a.id);
    out.push({
      accountId: a.id,
      address: a.address,
      running: !!lease && lease.expires_at > new Date().toISOString(),
      lastCompleteAt: complete?.finished_at ?? null,
      lastPass: last
        ? {
            id: last.id,
            status: last.status,
            startedAt: last.started_at,
            finishedAt: last.finished_at,
            stats: last.stats ? JSON.parse(last.stats) : null,
            error: last.error,
          }
        : null,
    });
  }
  return { tenantId: input.tenantId, accounts: out };
}
