import { appendAudit } from '../../platform/audit';
import type { Ctx } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { presentAccount } from '../presenters';
import { findAccount, updateAccount } from '../repositories/accounts';
import { loadChangeableAccount } from '../shared/account-lifecycle';
import { authorize, kickUsers } from '../shared/support';

/**
 * Suspension closes the mailbox for logins at once (mail_users.login_enabled = 0, read on every
 * login) and kicks the open sessions after commit; mail is still delivered and kept.
 */
export async function suspendAccount(ctx: Ctx, tenantId: string, accountId: string) {
  return setAccountStatus(ctx, tenantId, accountId, 'suspended');
}

export async function resumeAccount(ctx: Ctx, tenantId: string, accountId: string) {
  return setAccountStatus(ctx, tenantId, accountId, 'active');
}

async function setAccountStatus(ctx: Ctx, tenantId: string, accountId: string, status: 'active' | 'suspended') {
  authorize(ctx, 'account.write', tenantId);
  return inTransaction(ctx.db, async ({ trx, afterCommit }) => {
    const before = await loadChangeableAccount(trx, ctx, tenantId, accountId);
    if (before.status === status) return presentAccount(before);
    await updateAccount(trx, accountId, { status, updated_at: nowIso() });
    const after = presentAccount((await findAccount(trx, tenantId, accountId))!);
    await appendAudit(trx, ctx.actor, {
      action: status === 'suspended' ? 'account.suspended' : 'account.resumed',
      tenantId,
      target: { type: 'account', id: accountId },
      before: presentAccount(before),
      after,
    });
    if (status === 'suspended') afterCommit(() => kickUsers(ctx, [before.address]));
    return after;
  });
}
