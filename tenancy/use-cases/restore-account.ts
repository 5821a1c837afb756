import { appendAudit } from '../../platform/audit';
import type { Ctx } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { AppError, notFound } from '../../platform/errors';
import { purgeAccountJob } from '../jobs';
import { presentAccount } from '../presenters';
import { deleteDeletion, findAccount, findDeletion, updateAccount } from '../repositories/accounts';
import { authorize } from '../shared/support';

/**
 * Cancels a deletion within the grace period: the account returns to the status it had before
 * (active or suspended) with its mailbox untouched. The delayed purge job is removed after commit;
 * if that fails the job still finds the account no longer `deleting` and skips.
 */
export async function restoreAccount(ctx: Ctx, tenantId: string, accountId: string) {
  authorize(ctx, 'account.write', tenantId);
  return inTransaction(ctx.db, async ({ trx, afterCommit }) => {
    const before = await findAccount(trx, tenantId, accountId);
    if (!before) throw notFound('account', accountId);
    if (before.status !== 'deleting') throw new AppError('precondition_failed', `account ${before.address} is not being deleted`);
    const pending = await findDeletion(trx, accountId);
    const status = pending?.previous_status ?? 'suspended';
    await deleteDeletion(trx, accountId);
    await updateAccount(trx, accountId, { status, delete_after: null, updated_at: nowIso() });
    const after = presentAccount((await findAccount(trx, tenantId, accountId))!);
    await appendAudit(trx, ctx.actor, {
      action: 'account.restored',
      tenantId,
      target: { type: 'account', id: accountId },
      before: presentAccount(before),
      after,
    });
    const deleteAfter = before.delete_after;
    if (deleteAfter) {
      afterCommit(() =>
        ctx.queue
          .cancel('control-plane', purgeAccountJob.jobId!({ accountId, deleteAfter }))
          .catch((e: Error) =>
            ctx.logger.warn({ accountId, err: e.message }, 'could not remove the purge job; it will skip the restored account'),
          ),
      );
    }
    return after;
  });
}
