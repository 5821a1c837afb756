import { z } from 'zod';
import type { Services } from '../../platform/context';
import { holdTenant } from '../engine/tenant-hold';
import { applyRetention } from './apply-retention';
import { sweepUnreferenced } from './collect-garbage';

/**
 * The daily retention run of one tenant (job `backup.retention`): index rows past the tenant's days go,
 * then the bodies nothing names any more. Both under one `holdTenant`, so no backup pass of the tenant
 * runs between deciding a body is unreferenced and deleting it; a running pass makes it fail with
 * `conflict` and the job retries.
 */
export const runRetentionInput = z.strictObject({ tenantId: z.uuid(), now: z.iso.datetime().optional() });
export type RunRetentionInput = z.infer<typeof runRetentionInput>;

export async function runRetention(services: Pick<Services, 'db' | 'config' | 'logger'>, raw: RunRetentionInput) {
  const input = runRetentionInput.parse(raw);
  return holdTenant(services, input.tenantId, 'retention', async (check) => {
    const retention = await applyRetention(services, input);
    check();
    const garbage = await sweepUnreferenced(services, input.tenantId, check);
    return { tenantId: input.tenantId, ...retention, garbage };
  });
}
