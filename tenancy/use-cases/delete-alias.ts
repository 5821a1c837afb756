import { appendAudit } from '../../platform/audit';
import type { Ctx } from '../../platform/context';
import { inTransaction } from '../../platform/db/transaction';
import { notFound } from '../../platform/errors';
import { presentAlias } from '../presenters';
import { releaseAddress } from '../repositories/addresses';
import { deleteAlias as deleteRow, findAlias } from '../repositories/aliases';
import { authorize } from '../shared/support';

/** Removes an alias; mail to it is refused (550 unknown user) from the next delivery on. */
export async function deleteAlias(ctx: Ctx, tenantId: string, aliasId: string) {
  authorize(ctx, 'alias.write', tenantId);
  await inTransaction(ctx.db, async ({ trx }) => {
    const row = await findAlias(trx, tenantId, aliasId);
    if (!row) throw notFound('alias', aliasId);
    await deleteRow(trx, aliasId);
    await releaseAddress(trx, row.address);
    await appendAudit(trx, ctx.actor, {
      action: 'alias.deleted',
      tenantId,
      target: { type: 'alias', id: aliasId },
      before: presentAlias(row),
    });
  });
}
