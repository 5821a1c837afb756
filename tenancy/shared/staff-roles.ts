import type { Db } from '../../platform/db';
import { ROLES, type Role } from '../../platform/actor';
import type { Ctx } from '../../platform/context';
import { forbidden, invalid, notFound } from '../../platform/errors';
import { findTenant } from '../repositories/tenants';

/**
 * Which role may be given with which tenant, for staff users and API tokens alike:
 * - tenant_admin belongs to exactly one tenant;
 * - operator, migration_engineer and support are the platform's own staff: no tenant.
 * A tenant-scoped actor (a tenant admin) may only hand out tenant_admin for its own tenant, so nobody
 * can give a role above their own.
 */
export async function checkRoleGrant(q: Db, ctx: Ctx, role: Role, tenantId: string | null | undefined): Promise<string | null> {
  if (!(ROLES as readonly string[]).includes(role)) throw invalid(`role must be one of ${ROLES.join(', ')}`);
  const scoped = ctx.actor.tenantId;
  const tenant = tenantId ?? (role === 'tenant_admin' ? scoped : null) ?? null;
  if (scoped !== null) {
    if (role !== 'tenant_admin') throw forbidden(`a tenant admin may only grant the tenant_admin role, not ${role}`);
    if (tenant !== scoped) throw notFound('tenant', tenant ?? '');
  }
  if (role === 'tenant_admin') {
    if (!tenant) throw invalid('role tenant_admin needs a tenantId', [{ path: 'tenantId', message: 'required for tenant_admin' }]);
    if (!(await findTenant(q, tenant))) throw notFound('tenant', tenant);
    return tenant;
  }
  if (tenant)
    throw invalid(`role ${role} is platform staff and takes no tenantId`, [{ path: 'tenantId', message: `not allowed for ${role}` }]);
  return null;
}
