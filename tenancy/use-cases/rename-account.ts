import { z } from 'zod';
import { appendAudit } from '../../platform/audit';
import type { Ctx } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { presentAccount } from '../presenters';
import { findAccount, updateAccount } from '../repositories/accounts';
import { moveAddress } from '../repositories/addresses';
import { parseAddress } from '../shared/addresses';
import { loadChangeableAccount } from '../shared/account-lifecycle';
import { tenantDomain } from '../shared/provision-account';
import { assertDomainVerified } from '../shared/domain-ownership';
import { address } from '../shared/schemas';
import { authorize, kickUsers, loadTenant } from '../shared/support';

/**
 * Gives an account a new address (in any domain of its tenant). The mailbox stays where it is (its
 * folder follows the account id), so mail and folders are kept; the old address is free afterwards
 * (make it an alias to keep receiving on it). Sessions logged in under the old name are kicked.
 */
export const renameAccountInput = z.strictObject({ address });
export type RenameAccountInput = z.infer<typeof renameAccountInput>;

export async function renameAccount(ctx: Ctx, tenantId: string, accountId: string, input: RenameAccountInput) {
  authorize(ctx, 'account.write', tenantId);
  const parsed = parseAddress(input.address);
  return inTransaction(ctx.db, async ({ trx, afterCommit }) => {
    const tenant = await loadTenant(trx, ctx, tenantId);
    const before = await loadChangeableAccount(trx, ctx, tenantId, accountId);
    if (before.address === parsed.address) return presentAccount(before);
    const domain = await tenantDomain(trx, tenant, parsed);
    assertDomainVerified(domain, 'an account renamed into it');
    await moveAddress(trx, before.address, { address: parsed.address, tenant_id: tenantId, kind: 'account', owner_id: accountId });
    await updateAccount(trx, accountId, {
      address: parsed.address,
      local_part: parsed.localPart,
      domain_id: domain.id,
      updated_at: nowIso(),
    });
    const after = presentAccount((await findAccount(trx, tenantId, accountId))!);
    await appendAudit(trx, ctx.actor, {
      action: 'account.renamed',
      tenantId,
      target: { type: 'account', id: accountId },
      before: presentAccount(before),
      after,
    });
    afterCommit(() => kickUsers(ctx, [before.address]));
    return after;
  });
}
