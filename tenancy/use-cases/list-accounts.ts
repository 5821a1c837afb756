import { z } from 'zod';
import { pageQuery } from '../../platform/db/paginate';
import type { Ctx } from '../../platform/context';
import { notFound } from '../../platform/errors';
import { presentAccount } from '../presenters';
import { findAccount, findAccountByAddress, findAccountById, listAccounts as listRows } from '../repositories/accounts';
import { parseAddress } from '../shared/addresses';
import { domainName, search } from '../shared/schemas';
import { authorize, loadTenant, tenantListFilters } from '../shared/support';

export const listAccountsInput = pageQuery.extend({
  status: z.enum(['active', 'suspended', 'deleting']).optional(),
  /** a domain name of the tenant (Unicode or ASCII) */
  domain: domainName.optional(),
  /** address prefix */
  search,
});
export type ListAccountsInput = z.infer<typeof listAccountsInput>;

export async function listAccounts(ctx: Ctx, tenantId: string, input: ListAccountsInput) {
  const filters = await tenantListFilters(ctx, tenantId, 'account.read', input);
  const page = await listRows(ctx.db, tenantId, { status: input.status, ...filters }, input);
  return { items: page.items.map(presentAccount), nextCursor: page.nextCursor };
}

export async function getAccount(ctx: Ctx, tenantId: string, accountId: string) {
  authorize(ctx, 'account.read', tenantId);
  const row = await findAccount(ctx.db, tenantId, accountId);
  if (!row) throw notFound('account', accountId);
  return presentAccount(row);
}

/** For the CLI: an account named by id or address; the tenant comes with it. */
export async function resolveAccount(ctx: Ctx, idOrAddress: string) {
  authorize(ctx, 'account.read');
  const row = idOrAddress.includes('@')
    ? await findAccountByAddress(ctx.db, parseAddress(idOrAddress).address)
    : await findAccountById(ctx.db, idOrAddress);
  if (!row) throw notFound('account', idOrAddress);
  await loadTenant(ctx.db, ctx, row.tenant_id);
  return presentAccount(row);
}
