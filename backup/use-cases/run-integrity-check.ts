import { z } from 'zod';
import type { Ctx } from '../../platform/context';
import { authorizeTenant } from './access';
import { checkIntegrity } from './check-integrity';

export const runIntegrityCheckInput = z.strictObject({ tenantId: z.uuid() });
export type RunIntegrityCheckInput = z.infer<typeof runIntegrityCheckInput>;

/** The integrity check on demand (API, CLI), as the caller: the same check the daily job runs. */
export async function runIntegrityCheck(ctx: Pick<Ctx, 'db' | 'actor' | 'config' | 'logger'>, raw: RunIntegrityCheckInput) {
  const input = runIntegrityCheckInput.parse(raw);
  await authorizeTenant(ctx, 'backup.maintain', input.tenantId);
  return checkIntegrity(ctx, input);
}
