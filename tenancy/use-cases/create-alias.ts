import { z } from 'zod';
import { appendAudit } from '../../platform/audit';
import type { Ctx } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { presentAlias } from '../presenters';
import { claimAddress } from '../repositories/addresses';
import { insertAlias } from '../repositories/aliases';
import type { AliasRow } from '../repositories/rows';
import { parseAddress } from '../shared/addresses';
import { loadChangeableAccount } from '../shared/account-lifecycle';
import { tenantDomain } from '../shared/provision-account';
import { address } from '../shared/schemas';
import { authorize, loadTenant, newId } from '../shared/support';

/**
 * An alias delivers into an account's mailbox: Dovecot's user lookup resolves the alias to the
 * account (mail_users, kind 'alias'), at once. An alias is not a login name. Its address shares the
 * one platform-wide namespace with accounts, so it can equal neither an account nor another alias.
 */
export const createAliasInput = z.strictObject({ address, accountId: z.uuid() });
export type CreateAliasInput = z.infer<typeof createAliasInput>;

export async function createAlias(ctx: Ctx, tenantId: string, input: CreateAliasInput) {
  authorize(ctx, 'alias.write', tenantId);
  const parsed = parseAddress(input.address);
  return inTransaction(ctx.db, async ({ trx }) => {
    const tenant = await loadTenant(trx, ctx, tenantId);
    const domain = await tenantDomain(trx, tenant, parsed);
    const account = await loadChangeableAccount(trx, ctx, tenantId, input.accountId);
    const row: AliasRow = {
      id: newId(),
      tenant_id: tenantId,
      domain_id: domain.id,
      address: parsed.address,
      account_id: account.id,
      created_at: nowIso(),
    };
    await claimAddress(trx, { address: parsed.address, tenant_id: tenantId, kind: 'alias', owner_id: row.id });
    await insertAlias(trx, row);
    const out = presentAlias({ ...row, account_address: account.address });
    await appendAudit(trx, ctx.actor, { action: 'alias.created', tenantId, target: { type: 'alias', id: row.id }, after: out });
    return out;
  });
}
