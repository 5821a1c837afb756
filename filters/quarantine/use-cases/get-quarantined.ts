import { z } from 'zod';
import type { Ctx } from '../../../platform/context';
import { loadQuarantined, presentQuarantined, type QuarantinedMessage } from './view';

export const getQuarantinedInput = z.strictObject({ tenantId: z.uuid(), quarantineId: z.uuid() });
export type GetQuarantinedInput = z.infer<typeof getQuarantinedInput>;

export async function getQuarantined(ctx: Ctx, input: GetQuarantinedInput): Promise<QuarantinedMessage> {
  const p = getQuarantinedInput.parse(input);
  return presentQuarantined(await loadQuarantined(ctx, ctx.db, 'quarantine.read', p.tenantId, p.quarantineId));
}
