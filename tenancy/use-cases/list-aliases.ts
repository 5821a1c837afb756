import { z } from 'zod';
import { pageQuery } from '../../platform/db/paginate';
import type { Ctx } from '../../platform/context';
import { notFound } from '../../platform/errors';
import { presentAlias } from '../presenters';
import { findAccountByAddress } from '../repositories/accounts';
import { findAlias, findAliasByAddress, listAliases as listRows } from '../repositories/aliases';
import { parseAddress } from '../shared/addresses';
import { domainName, search } from '../shared/schemas';
import { authorize, loadTenant, tenantListFilters } from '../shared/support';

export const listAliasesInput = pageQuery.extend({ accountId: z.uuid().optional(), domain: domainName.optional(), search });
export type ListAliasesInput = z.infer<typeof listAliasesInput>;

export async function listAliases(ctx: Ctx, tenantId: string, input: ListAliasesInput) {
  const filters = await tenantListFilters(ctx, tenantId, 'alias.read', input);
  const page = await listRows(ctx.db, tenantId, { accountId: input.accountId, ...filters }, input);
  return { items: page.items.map(presentAlias), nextCursor: page.nextCursor };
}

export async function getAlias(ctx: Ctx, tenantId: string, aliasId: string) {
  authorize(ctx, 'alias.read', tenantId);
  const row = await findAlias(ctx.db, tenantId, aliasId);
  if (!row) throw notFound('alias', aliasId);
  return presentAlias(row);
}

/** For the CLI: an alias named by its address. */
export async function resolveAliasByAddress(ctx: Ctx, address: string) {
  authorize(ctx, 'alias.read');
  const parsed = parseAddress(address);
  const row = await findAliasByAddress(ctx.db, parsed.address);
  if (!row || (await findAccountByAddress(ctx.db, parsed.address))) throw notFound('alias', parsed.address);
  await loadTenant(ctx.db, ctx, row.tenant_id);
  return presentAlias(row);
}
