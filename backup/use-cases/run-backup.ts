import { z } from 'zod';
import pLimit from 'p-limit';
import type { Ctx } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { backupAccount, type PassProgress, type PassStats } from '../engine/pass';
import { ACCOUNT_CONCURRENCY } from '../limits';
import { authorizeTenant, loadAccount, tenantAccounts } from './access';

export const runBackupInput = z.strictObject({
  tenantId: z.uuid(),
  accountId: z.uuid().optional(),
  trigger: z.enum(['schedule', 'demand']).default('demand'),
});
export type RunBackupInput = z.input<typeof runBackupInput>;

export interface AccountBackupResult {
  accountId: string;
  address: string;
  status: 'done' | 'failed' | 'busy';
  passId: string | null;
  stats: PassStats | null;
  error: string | null;
}

/**
 * Runs a backup pass now, in this process, over one account or every account of the tenant (the worker's
 * job and `postwerk backup run` call this). An account whose pass is already running answers `busy`.
 */
export async function runBackup(
  ctx: Ctx,
  raw: RunBackupInput,
  onProgress?: (account: string, e: PassProgress) => void,
): Promise<{ tenantId: string; accounts: AccountBackupResult[] }> {
  const input = runBackupInput.parse(raw);
  await authorizeTenant(ctx, 'backup.run', input.tenantId);
  const accounts = input.accountId
    ? [await loadAccount(ctx.db, input.tenantId, input.accountId)]
    : await tenantAccounts(ctx.db, input.tenantId);
  const limit = pLimit(ACCOUNT_CONCURRENCY);
  const results = await Promise.all(
    accounts.map((a) =>
      limit(async (): Promise<AccountBackupResult> => {
        try {
          const r = await backupAccount(ctx, a, { trigger: input.trigger, onProgress: (e) => onProgress?.(a.address, e) });
          return { accountId: a.id, address: a.address, status: 'done', passId: r.passId, stats: r.stats, error: null };
        } catch (e) {
          const busy = e instanceof AppError && e.code === 'conflict';
          if (!busy) ctx.logger.warn({ accountId: a.id, err: (e as Error).message }, 'backup pass failed');
          return {
            accountId: a.id,
            address: a.address,
            status: busy ? 'busy' : 'failed',
            passId: null,
            stats: null,
            error: (e as Error).message,
          };
        }
      }),
    ),
  );
  return { tenantId: input.tenantId, accounts: results };
}
