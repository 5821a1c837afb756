import type { Actor, Role } from './actor';
import { AppError } from './errors';

/**
 * What each role may do, in one table. Routes and CLI commands name a permission; tenant scoping
 * (a tenant admin sees only its own tenant) is enforced separately by assertTenantAccess, so that a
 * foreign object answers 404 rather than 403.
 */
export const PERMISSIONS = {
  'tenant.read': ['operator', 'tenant_admin', 'migration_engineer', 'support'],
  'tenant.create': ['operator'],
  'tenant.update': ['operator'],
  'tenant.pool.update': ['operator'],
  'domain.read': ['operator', 'tenant_admin', 'migration_engineer', 'support'],
  'domain.write': ['operator', 'tenant_admin'],
  'domain.suspend': ['operator'],
  'account.read': ['operator', 'tenant_admin', 'migration_engineer', 'support'],
  'account.write': ['operator', 'tenant_admin'],
  'account.password': ['operator', 'tenant_admin', 'support'],
  'alias.read': ['operator', 'tenant_admin', 'migration_engineer', 'support'],
  'alias.write': ['operator', 'tenant_admin'],
  'quota.read': ['operator', 'tenant_admin', 'migration_engineer', 'support'],
  'quota.reassign': ['operator', 'tenant_admin'],
  'quota.force': ['operator'],
  'staff.read': ['operator', 'tenant_admin'],
  'staff.write': ['operator', 'tenant_admin'],
  'token.read': ['operator', 'tenant_admin'],
  'token.write': ['operator', 'tenant_admin'],
  'audit.read': ['operator', 'tenant_admin', 'support'],
  'audit.verify': ['operator'],
  'migration.read': ['operator', 'migration_engineer', 'tenant_admin', 'support'],
  'migration.write': ['operator', 'migration_engineer'],
  'system.read': ['operator', 'support'],
  'backup.read': ['operator', 'tenant_admin', 'support'],
  'backup.run': ['operator', 'tenant_admin', 'support'],
  'backup.restore': ['operator', 'tenant_admin', 'support'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export function can(actor: Actor, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(actor.role);
}

export function requirePermission(actor: Actor, permission: Permission): void {
  if (!can(actor, permission)) throw new AppError('forbidden', `role ${actor.role} may not ${permission}`);
}
