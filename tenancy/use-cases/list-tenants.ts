import { z } from 'zod';
import { pageQuery } from '../../platform/db/paginate';
import type { Ctx } from '../../platform/context';
import { notFound } from '../../platform/errors';
import { presentTenant } from '../presenters';
import { findTenant, findTenantBySlug, listTenants as listRows } from '../repositories/tenants';
import { likePrefix } from '../shared/addresses';
import { search } from '../shared/schemas';
import { authorize, loadTenant } from '../shared/support';

/** Tenants the actor may see: all for platform staff, only its own for a tenant-scoped actor. */
export const listTenantsInput = pageQuery.extend({ status: z.enum(['active', 'suspended']).optional(), search });
export type ListTenantsInput = z.infer<typeof listTenantsInput>;

export async function listTenants(ctx: Ctx, input: ListTenantsInput) {
  authorize(ctx, 'tenant.read');
  const page = await listRows(
    ctx.db,
    { onlyId: ctx.actor.tenantId, status: input.status, search: input.search ? likePrefix(input.search) : undefined },
    { limit: input.limit, cursor: input.cursor },
  );
  return { items: page.items.map(presentTenant), nextCursor: page.nextCursor };
}

export async function getTenant(ctx: Ctx, tenantId: string) {
  authorize(ctx, 'tenant.read', tenantId);
  return presentTenant(await loadTenant(ctx.db, ctx, tenantId));
}

/** For the CLI: a tenant named by id or slug. */
export async function resolveTenant(ctx: Ctx, idOrSlug: string) {
  authorize(ctx, 'tenant.read');
  const row = (await findTenant(ctx.db, idOrSlug)) ?? (await findTenantBySlug(ctx.db, idOrSlug.toLowerCase()));
  if (!row) throw notFound('tenant', idOrSlug);
  return presentTenant(await loadTenant(ctx.db, ctx, row.id));
}
