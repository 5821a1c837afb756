import { assertTenantAccess } from '../../platform/actor';
import type { Ctx } from '../../platform/context';
import type { Db } from '../../platform/db';
import { notFound } from '../../platform/errors';
import { requirePermission, type Permission } from '../../platform/permissions';
import { findAccount, listAccounts } from '../../tenancy/repositories/accounts';
import type { AccountRow } from '../../tenancy/repositories/rows';
import { findTenant } from '../../tenancy/repositories/tenants';

/** Permission first, then tenant scope: another tenant's objects answer exactly as missing ones (404). */
export async function authorizeTenant(ctx: Pick<Ctx, 'actor' | 'db'>, permission: Permission, tenantId: string): Promise<void> {
  requirePermission(ctx.actor, permission);
  assertTenantAccess(ctx.actor, tenantId, 'tenant', tenantId);
  if (!(await findTenant(ctx.db, tenantId))) throw notFound('tenant', tenantId);
}

export async function loadAccount(db: Db, tenantId: string, accountId: string): Promise<AccountRow> {
  const account = await findAccount(db, tenantId, accountId);
  if (!account) throw notFound('account', accountId);
  return account;
}

/** Every account of the tenant (any status: suspended and deleting mailboxes are backed up too). */
export async function tenantAccounts(db: Db, tenantId: string): Promise<AccountRow[]> {
  const out: AccountRow[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await listAccounts(db, tenantId, {}, { limit: 500, cursor });
    out.push(...page.items);
    if (!page.nextCursor) return out;
    cursor = page.nextCursor;
  }
}
