import { z } from 'zod';
import type { Ctx } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { backupTenantJob } from '../jobs';
import { authorizeTenant, loadAccount } from './access';

export const requestBackupInput = z.strictObject({ tenantId: z.uuid(), accountId: z.uuid().optional() });
export type RequestBackupInput = z.infer<typeof requestBackupInput>;

/** Queues a backup pass on demand (the API's answer does not wait for it); the worker runs it. */
export async function requestBackup(
  ctx: Ctx,
  raw: RequestBackupInput,
): Promise<{ jobId: string | null; tenantId: string; accountId: string | null }> {
  const input = requestBackupInput.parse(raw);
  await authorizeTenant(ctx, 'backup.run', input.tenantId);
  if (input.accountId) await loadAccount(ctx.db, input.tenantId, input.accountId);
  const jobId = await ctx.queue.enqueue(backupTenantJob, { ...input, trigger: 'demand', requestedAt: nowIso() });
  return { jobId: jobId ?? null, tenantId: input.tenantId, accountId: input.accountId ?? null };
}
