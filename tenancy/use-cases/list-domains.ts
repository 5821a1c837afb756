import { z } from 'zod';
import { pageQuery } from '../../platform/db/paginate';
import type { Ctx } from '../../platform/context';
import { notFound } from '../../platform/errors';
import { presentDomain } from '../presenters';
import { findDomain, findDomainByName, listDomains as listRows } from '../repositories/domains';
import { likePrefix, normalizeDomain } from '../shared/addresses';
import { search } from '../shared/schemas';
import { authorize, loadTenant } from '../shared/support';

export const listDomainsInput = pageQuery.extend({
  status: z.enum(['verified', 'active', 'suspended']).optional(),
  /** ownership: `pending` lists the domains still waiting for their DNS record */
  verification: z.enum(['pending', 'verified']).optional(),
  search,
});
export type ListDomainsInput = z.infer<typeof listDomainsInput>;

export async function listDomains(ctx: Ctx, tenantId: string, input: ListDomainsInput) {
  authorize(ctx, 'domain.read', tenantId);
  await loadTenant(ctx.db, ctx, tenantId);
  const page = await listRows(
    ctx.db,
    tenantId,
    { status: input.status, verification: input.verification, search: input.search ? likePrefix(input.search) : undefined },
    input,
  );
  return { items: page.items.map(presentDomain), nextCursor: page.nextCursor };
}

export async function getDomain(ctx: Ctx, tenantId: string, domainId: string) {
  authorize(ctx, 'domain.read', tenantId);
  const row = await findDomain(ctx.db, tenantId, domainId);
  if (!row) throw notFound('domain', domainId);
  return presentDomain(row);
}

/** For the CLI and filters: a tenant's domain named by id or name. */
export async function resolveDomain(ctx: Ctx, tenantId: string, idOrName: string) {
  authorize(ctx, 'domain.read', tenantId);
  let row = await findDomain(ctx.db, tenantId, idOrName);
  if (!row && idOrName.includes('.')) {
    const byName = await findDomainByName(ctx.db, normalizeDomain(idOrName));
    if (byName?.tenant_id === tenantId) row = byName;
  }
  if (!row) throw notFound('domain', idOrName);
  return presentDomain(row);
}

/** The tenant owning a domain name, for the CLI's `account create alice@example.com` without --tenant. */
export async function resolveDomainByName(ctx: Ctx, name: string) {
  authorize(ctx, 'domain.read');
  const row = await findDomainByName(ctx.db, normalizeDomain(name));
  if (!row) throw notFound('domain', name);
  await loadTenant(ctx.db, ctx, row.tenant_id);
  return presentDomain(row);
}
