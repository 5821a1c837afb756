import type { Ctx } from '../../platform/context';
import { notFound } from '../../platform/errors';
import { presentForwarding } from '../presenters';
import { findAccount } from '../repositories/accounts';
import { forwardingsOfAccount } from '../repositories/aliases';
import { authorize } from '../shared/support';

export async function listForwardings(ctx: Ctx, tenantId: string, accountId: string) {
  authorize(ctx, 'alias.read', tenantId);
  if (!(await findAccount(ctx.db, tenantId, accountId))) throw notFound('account', accountId);
  return { items: (await forwardingsOfAccount(ctx.db, accountId)).map(presentForwarding) };
}
