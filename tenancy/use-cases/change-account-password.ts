import { z } from 'zod';
import { appendAudit } from '../../platform/audit';
import type { Ctx } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { notFound } from '../../platform/errors';
import { assertStrongPassword, hashPassword } from '../../platform/passwords';
import { presentAccount } from '../presenters';
import { findAccount, updateAccount } from '../repositories/accounts';
import { passwordContext } from '../shared/provision-account';
import { loadChangeableAccount } from '../shared/account-lifecycle';
import { password } from '../shared/schemas';
import { authorize, kickUsers } from '../shared/support';

/**
 * Sets a new password. The next login is checked against the new hash (Dovecot has no auth cache), and
 * sessions opened with the old password are kicked after commit. The audit entry records that the
 * password changed, never a hash.
 */
export const changeAccountPasswordInput = z.strictObject({ password });
export type ChangeAccountPasswordInput = z.infer<typeof changeAccountPasswordInput>;

export async function changeAccountPassword(ctx: Ctx, tenantId: string, accountId: string, input: ChangeAccountPasswordInput) {
  authorize(ctx, 'account.password', tenantId);
  const current = await findAccount(ctx.db, tenantId, accountId);
  if (!current) throw notFound('account', accountId);
  assertStrongPassword(input.password, passwordContext(current.local_part, current.display_name));
  const hash = await hashPassword(input.password, ctx.config.passwordCost);
  return inTransaction(ctx.db, async ({ trx, afterCommit }) => {
    const before = await loadChangeableAccount(trx, ctx, tenantId, accountId);
    await updateAccount(trx, accountId, { password_hash: hash, updated_at: nowIso() });
    const after = presentAccount((await findAccount(trx, tenantId, accountId))!);
    await appendAudit(trx, ctx.actor, {
      action: 'account.password_changed',
      tenantId,
      target: { type: 'account', id: accountId },
      before: { address: before.address },
      after: { address: before.address, passwordChanged: true },
    });
    afterCommit(() => kickUsers(ctx, [before.address]));
    return after;
  });
}
