import { z } from 'zod';
import { pageQuery } from '../../platform/db/paginate';
import type { Ctx } from '../../platform/context';
import { presentToken } from '../presenters';
import { listTokens } from '../repositories/staff';
import { authorize } from '../shared/support';

/** Query strings carry booleans as text. */
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
export const listApiTokensInput = pageQuery.extend({ tenantId: z.uuid().optional(), includeRevoked: bool.optional() });
export type ListApiTokensInput = z.infer<typeof listApiTokensInput>;

export async function listApiTokens(ctx: Ctx, input: ListApiTokensInput) {
  authorize(ctx, 'token.read');
  const page = await listTokens(
    ctx.db,
    { tenantId: ctx.actor.tenantId ?? input.tenantId, includeRevoked: input.includeRevoked ?? false },
    input,
  );
  return { items: page.items.map(presentToken), nextCursor: page.nextCursor };
}
