import { z } from 'zod';
import { appendAudit } from '../../platform/audit';
import type { Ctx } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { conflict, invalid } from '../../platform/errors';
import { presentForwarding } from '../presenters';
import { countForwardings, findForwardingByTarget, insertForwarding } from '../repositories/aliases';
import type { ForwardingRow } from '../repositories/rows';
import { parseAddress } from '../shared/addresses';
import { loadChangeableAccount } from '../shared/account-lifecycle';
import { address } from '../shared/schemas';
import { authorize, newId } from '../shared/support';

/** Most forwarding targets an account may have: each is a copy of every message sent out again. */
export const MAX_FORWARDINGS_PER_ACCOUNT = 10;

/**
 * A forwarding address of an account (mail arriving for the account is also sent to the target; with
 * keepCopy false, only sent on). This records the rule in the system of record; the delivery side
 * (filters) applies it.
 */
export const createForwardingInput = z.strictObject({ targetAddress: address, keepCopy: z.boolean().optional() });
export type CreateForwardingInput = z.infer<typeof createForwardingInput>;

export async function createForwarding(ctx: Ctx, tenantId: string, accountId: string, input: CreateForwardingInput) {
  authorize(ctx, 'alias.write', tenantId);
  const target = parseAddress(input.targetAddress, 'targetAddress');
  return inTransaction(ctx.db, async ({ trx }) => {
    const account = await loadChangeableAccount(trx, ctx, tenantId, accountId);
    if (target.address === account.address)
      throw invalid('an account cannot forward to itself', [{ path: 'targetAddress', message: 'is the account itself' }]);
    if (await findForwardingByTarget(trx, accountId, target.address)) {
      throw conflict(`account ${account.address} already forwards to ${target.address}`, [
        { path: 'targetAddress', message: 'already a forwarding target' },
      ]);
    }
    const count = await countForwardings(trx, accountId);
    if (count >= MAX_FORWARDINGS_PER_ACCOUNT)
      throw invalid(`an account may have at most ${MAX_FORWARDINGS_PER_ACCOUNT} forwarding addresses`);
    const row: ForwardingRow = {
      id: newId(),
      tenant_id: tenantId,
      account_id: accountId,
      target_address: target.address,
      keep_copy: input.keepCopy === false ? 0 : 1,
      created_at: nowIso(),
    };
    await insertForwarding(trx, row);
    const out = presentForwarding(row);
    await appendAudit(trx, ctx.actor, { action: 'forwarding.created', tenantId, target: { type: 'forwarding', id: row.id }, after: out });
    return out;
  });
}
