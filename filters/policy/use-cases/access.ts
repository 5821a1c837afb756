import type { Db } from '../../../platform/db';
import { assertTenantAccess } from '../../../platform/actor';
import type { Ctx } from '../../../platform/context';
import { notFound } from '../../../platform/errors';
import { requirePermission, type Permission } from '../../../platform/permissions';
import { findTenant } from '../../../tenancy/repositories/tenants';

/**
 * The permission and tenant checks every filter use case starts with (the API checks too; the CLI and
 * later callers get the same rules): a tenant-scoped actor asking for another tenant gets 404.
 */
export async function authorizeTenant(ctx: Ctx, q: Db, permission: Permission, tenantId: string): Promise<void> {
  requirePermission(ctx.actor, permission);
  assertTenantAccess(ctx.actor, tenantId, 'tenant', tenantId);
  if (!(await findTenant(q, tenantId))) throw notFound('tenant', tenantId);
}
