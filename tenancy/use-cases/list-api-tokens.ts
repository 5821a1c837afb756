import type { Ctx } from '../../platform/context';
import { presentToken } from '../presenters';
import { listTokens } from '../repositories/staff';
import { authorize } from '../shared/support';

export async function listApiTokens(
  ctx: Ctx,
  input: { tenantId?: string | undefined; includeRevoked?: boolean | undefined; limit: number; cursor?: string | undefined },
) {
  authorize(ctx, 'token.read');
  const page = await listTokens(
    ctx.db,
    { tenantId: ctx.actor.tenantId ?? input.tenantId, includeRevoked: input.includeRevoked ?? false },
    input,
  );
  return { items: page.items.map(presentToken), nextCursor: page.nextCursor };
}
