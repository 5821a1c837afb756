import type { Db } from '../../platform/db';
import type { Ctx } from '../../platform/context';
import { AppError, notFound } from '../../platform/errors';
import { findAccount } from '../repositories/accounts';
import type { AccountRow } from '../repositories/rows';

/** Loads an account of the tenant for a change, refusing accounts in their deletion grace period. */
export async function loadChangeableAccount(trx: Db, _ctx: Ctx, tenantId: string, accountId: string): Promise<AccountRow> {
  const row = await findAccount(trx, tenantId, accountId);
  if (!row) throw notFound('account', accountId);
  if (row.status === 'deleting') {
    throw new AppError('precondition_failed', `account ${row.address} is being deleted (until ${row.delete_after}); restore it first`);
  }
  return row;
}
