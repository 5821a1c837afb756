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
  // marking a domain verified without its DNS record: a tenant admin could otherwise take any name's mail
  'domain.verify': ['operator'],
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
  // directory/: a tenant's LDAP/AD connection, its sync preview and apply
  'directory.read': ['operator', 'tenant_admin', 'support'],
  'directory.write': ['operator', 'tenant_admin'],
  'backup.read': ['operator', 'tenant_admin', 'support'],
  'backup.run': ['operator', 'tenant_admin', 'support'],
  'backup.restore': ['operator', 'tenant_admin', 'support'],
  // backup/: restore drills on demand (the results are backup.read, support included)
  'backup.drill': ['operator', 'tenant_admin'],
  // backup/: export for reversibility (a whole mailbox: not for support)
  'backup.export': ['operator', 'tenant_admin'],
  // backup/: retention settings and integrity checks on demand (support reads them through backup.read)
  'backup.maintain': ['operator', 'tenant_admin'],
  // an account's own user (self-service sessions), and nobody else: staff restore through support routes
  'backup.self-service': ['mail_user'],
  // quotas/: an account's own user reads its own usage against its allocation (self-service sessions)
  'quota.self': ['mail_user'],
  // tenancy/client-setup: an account's own user downloads its Apple configuration profile
  'client-setup.self': ['mail_user'],
  // inbound mail filters (filters/policy, filters/quarantine): the release policy itself says which
  // role may release a message quarantined for which reason; changing it is for operators.
  'filter.read': ['operator', 'tenant_admin', 'support'],
  'filter.write': ['operator', 'tenant_admin'],
  'filter.release-policy': ['operator'],
  'quarantine.read': ['operator', 'tenant_admin', 'support'],
  'quarantine.release': ['operator', 'tenant_admin'],
  'quarantine.delete': ['operator', 'tenant_admin'],
  'mail.trace': ['operator', 'tenant_admin', 'support'],
  // outbound mail (filters/outbound): the queue, sending limits, holds and suspensions
  'outbound.read': ['operator', 'tenant_admin', 'support'],
  'outbound.write': ['operator', 'tenant_admin'],
  'outbound.release': ['operator', 'tenant_admin'],
  // operability/: SLA reports, probe results and incidents (a tenant admin shows its CIO); setting the
  // target and annotating incidents is the operators' (the SLA is what the provider sells)
  'sla.read': ['operator', 'tenant_admin', 'support'],
  'sla.write': ['operator'],
  'incident.annotate': ['operator'],
} as const satisfies Record<string, readonly (Role | 'mail_user')[]>;

export type Permission = keyof typeof PERMISSIONS;

export function can(actor: Actor, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly string[]).includes(actor.role);
}

export function requirePermission(actor: Actor, permission: Permission): void {
  if (!can(actor, permission)) throw new AppError('forbidden', `role ${actor.role} may not ${permission}`);
}
