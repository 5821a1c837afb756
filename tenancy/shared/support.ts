import { randomUUID } from 'node:crypto';
import type { Db } from '../../platform/db';
import { assertTenantAccess } from '../../platform/actor';
import type { Ctx, Services } from '../../platform/context';
import { AppError, notFound } from '../../platform/errors';
import { requirePermission, type Permission } from '../../platform/permissions';
import { findTenant } from '../repositories/tenants';
import { findDomainByName } from '../repositories/domains';
import { likePrefix, normalizeDomain } from './addresses';
import type { TenantRow } from '../repositories/rows';

/**
 * Helpers every command shares. Commands check their permission themselves as well as the route does,
 * so the CLI, the seed and any later caller get the same rules as the API.
 */
export function authorize(ctx: Ctx, permission: Permission, tenantId?: string): void {
  requirePermission(ctx.actor, permission);
  if (tenantId !== undefined) assertTenantAccess(ctx.actor, tenantId, 'tenant', tenantId);
}

/** A tenant's staff and tokens are refused while the tenant is suspended: sign-in and every authenticated route. */
export function assertTenantNotSuspended(tenantStatus: string | null | undefined): void {
  if (tenantStatus === 'suspended')
    throw new AppError('tenant_suspended', 'this tenant is suspended: its staff and API tokens are refused until an operator resumes it');
}

export async function loadTenant(q: Db, ctx: Ctx, tenantId: string): Promise<TenantRow> {
  assertTenantAccess(ctx.actor, tenantId, 'tenant', tenantId);
  const tenant = await findTenant(q, tenantId);
  if (!tenant) throw notFound('tenant', tenantId);
  return tenant;
}

/**
 * Disconnects the open IMAP sessions of these users (addresses or masks such as `*@example.com`), best
 * effort, after the change has committed.
 *
 * Why a failure here is only a warning: the change itself is already in the database, and Dovecot reads
 * mail_users on every login and delivery (auth_cache_size = 0), so no new login can use the old state
 * whatever happens to the kick. The kick only ends sessions that authenticated before the change. If
 * Dovecot is down, those sessions died with it; if only its admin API is unreachable, the warning
 * names the users so that an operator can kick them by hand. Failing the request instead would tell
 * the caller the change did not happen when it did.
 */
export async function kickUsers(services: Pick<Services, 'doveadm' | 'logger'>, masks: string[]): Promise<void> {
  for (const mask of masks) {
    try {
      // false (nobody connected) is fine: there was nothing to close
      await services.doveadm.kick(mask);
    } catch (e) {
      services.logger.warn(
        { user: mask, err: (e as Error).message },
        'could not kick the open IMAP sessions of a user; they end at their next command or logout',
      );
    }
  }
}

/** doveadm kick takes a user mask with wildcards: every session of a domain in one call. */
export const domainMask = (domain: string): string => `*@${domain}`;

export const newId = (): string => randomUUID();

/** An id no row has: a list filtered by it matches nothing. */
const NO_ROW = '00000000-0000-0000-0000-000000000000';

/**
 * The start every listing of a tenant's rows shares: the permission, the tenant (404 when it is not the
 * caller's), and the domain and address-prefix filters.
 */
export async function tenantListFilters(
  ctx: Ctx,
  tenantId: string,
  permission: Permission,
  input: { domain?: string; search?: string },
): Promise<{ domainId: string | undefined; search: string | undefined }> {
  authorize(ctx, permission, tenantId);
  await loadTenant(ctx.db, ctx, tenantId);
  return { domainId: await domainFilter(ctx, tenantId, input.domain), search: input.search ? likePrefix(input.search) : undefined };
}

/** The domain id a list filters by: a foreign or unknown domain simply matches nothing. */
async function domainFilter(ctx: Ctx, tenantId: string, domain: string | undefined): Promise<string | undefined> {
  if (!domain) return undefined;
  const d = await findDomainByName(ctx.db, normalizeDomain(domain));
  return d && d.tenant_id === tenantId ? d.id : NO_ROW;
}
