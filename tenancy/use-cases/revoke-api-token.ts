import { appendAudit } from '../../platform/audit';
import type { Ctx } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { notFound } from '../../platform/errors';
import { presentToken } from '../presenters';
import { findToken, updateToken } from '../repositories/staff';
import { authorize } from '../shared/support';

export async function revokeApiToken(ctx: Ctx, tokenId: string) {
  authorize(ctx, 'token.write');
  return inTransaction(ctx.db, async ({ trx }) => {
    const before = await findToken(trx, tokenId);
    if (!before || (ctx.actor.tenantId !== null && before.tenant_id !== ctx.actor.tenantId)) throw notFound('token', tokenId);
    if (before.revoked_at) return presentToken(before);
    await updateToken(trx, tokenId, { revoked_at: nowIso() });
    const after = presentToken((await findToken(trx, tokenId))!);
    await appendAudit(trx, ctx.actor, {
      action: 'token.revoked',
      tenantId: before.tenant_id,
      target: { type: 'token', id: tokenId },
      before: presentToken(before),
      after,
    });
    return after;
  });
}
