import { z } from 'zod';
import type { Ctx } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { backupDrillJob } from '../jobs';
import { authorizeTenant } from './access';

export const requestDrillInput = z.strictObject({ tenantId: z.uuid() });
export type RequestDrillInput = z.infer<typeof requestDrillInput>;

/** Queues a restore drill now (the API's answer does not wait for it); the worker runs it. */
export async function requestDrill(ctx: Ctx, raw: RequestDrillInput): Promise<{ jobId: string | null; tenantId: string }> {
  const input = requestDrillInput.parse(raw);
  await authorizeTenant(ctx, 'backup.drill', input.tenantId);
  const jobId = await ctx.queue.enqueue(backupDrillJob, { tenantId: input.tenantId, trigger: 'demand', requestedAt: nowIso() });
  return { jobId: jobId ?? null, tenantId: input.tenantId };
}
