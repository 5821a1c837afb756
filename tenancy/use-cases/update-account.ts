import { z } from 'zod';
import { appendAudit } from '../../platform/audit';
import type { Ctx } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { presentAccount } from '../presenters';
import { findAccount, updateAccount as updateRow } from '../repositories/accounts';
import { loadChangeableAccount } from '../shared/account-lifecycle';
import { displayName } from '../shared/schemas';
import { authorize } from '../shared/support';

/** Changes what does not touch Dovecot: the display name. (Allocations: the quotas API.) */
export const updateAccountInput = z.strictObject({ displayName });
export type UpdateAccountInput = z.infer<typeof updateAccountInput>;

export async function updateAccount(ctx: Ctx, tenantId: string, accountId: string, input: Partial<UpdateAccountInput>) {
  authorize(ctx, 'account.write', tenantId);
  return inTransaction(ctx.db, async ({ trx }) => {
    const before = await loadChangeableAccount(trx, ctx, tenantId, accountId);
    if (input.displayName === undefined || input.displayName.trim() === before.display_name) return presentAccount(before);
    await updateRow(trx, accountId, { display_name: input.displayName.trim(), updated_at: nowIso() });
    const after = presentAccount((await findAccount(trx, tenantId, accountId))!);
    await appendAudit(trx, ctx.actor, {
      action: 'account.updated',
      tenantId,
      target: { type: 'account', id: accountId },
      before: presentAccount(before),
      after,
    });
    return after;
  });
}
