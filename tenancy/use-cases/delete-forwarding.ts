import { appendAudit } from '../../platform/audit';
import type { Ctx } from '../../platform/context';
import { inTransaction } from '../../platform/db/transaction';
import { notFound } from '../../platform/errors';
import { presentForwarding } from '../presenters';
import { deleteForwarding as deleteRow, findForwarding } from '../repositories/aliases';
import { authorize } from '../shared/support';

export async function deleteForwarding(ctx: Ctx, tenantId: string, forwardingId: string) {
  authorize(ctx, 'alias.write', tenantId);
  await inTransaction(ctx.db, async ({ trx }) => {
    const row = await findForwarding(trx, tenantId, forwardingId);
    if (!row) throw notFound('forwarding', forwardingId);
    await deleteRow(trx, forwardingId);
    await appendAudit(trx, ctx.actor, {
      action: 'forwarding.deleted',
      tenantId,
      target: { type: 'forwarding', id: forwardingId },
      before: presentForwarding(row),
    });
  });
}
