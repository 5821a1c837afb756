import { appendAudit } from '../../platform/audit';
import type { Ctx } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { AppError, notFound } from '../../platform/errors';
import { purgeAccountJob } from '../jobs';
import { presentAccount } from '../presenters';
import { findAccount, insertDeletion, updateAccount } from '../repositories/accounts';
import { authorize, kickUsers } from '../shared/support';

const DAY_MS = 24 * 3600 * 1000;

/**
 * Deletion, step one: the account goes to status `deleting` (no login, no mail for its aliases) and
 * its mailbox is kept until `delete_after` = now + the grace period (POSTWERK_DELETE_GRACE_DAYS). Its
 * address stays claimed meanwhile, so no other tenant can take it. Step two is the `account.purge`
 * job (purge-account.ts), queued here with a delay and also found by the hourly sweep, so a job lost
 * with Redis only delays the purge.
 */
export async function deleteAccount(ctx: Ctx, tenantId: string, accountId: string) {
  authorize(ctx, 'account.write', tenantId);
  return inTransaction(ctx.db, async ({ trx, afterCommit }) => {
    const before = await findAccount(trx, tenantId, accountId);
    if (!before) throw notFound('account', accountId);
    if (before.status === 'deleting')
      throw new AppError('precondition_failed', `account ${before.address} is already being deleted (until ${before.delete_after})`);
    const now = Date.now();
    const deleteAfter = new Date(now + ctx.config.deleteGraceDays * DAY_MS).toISOString();
    await insertDeletion(trx, {
      account_id: accountId,
      previous_status: before.status,
      requested_at: new Date(now).toISOString(),
      requested_by: ctx.actor.label,
    });
    await updateAccount(trx, accountId, { status: 'deleting', delete_after: deleteAfter, updated_at: nowIso() });
    const after = presentAccount((await findAccount(trx, tenantId, accountId))!);
    await appendAudit(trx, ctx.actor, {
      action: 'account.deleted',
      tenantId,
      target: { type: 'account', id: accountId },
      before: presentAccount(before),
      after,
    });
    afterCommit(() => kickUsers(ctx, [before.address]));
    afterCommit(async () => {
      try {
        await ctx.queue.enqueue(purgeAccountJob, { accountId, deleteAfter }, { delay: Math.max(0, Date.parse(deleteAfter) - Date.now()) });
      } catch (e) {
        ctx.logger.warn({ accountId, err: (e as Error).message }, 'could not queue the purge job; the hourly sweep will find the account');
      }
    });
    return after;
  });
}
