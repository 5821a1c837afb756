import { appendAudit } from '../../platform/audit';
import type { Ctx } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { presentTenant } from '../presenters';
import { findTenant, tenantDomainNames, updateTenant } from '../repositories/tenants';
import { authorize, domainMask, kickUsers, loadTenant } from '../shared/support';

/**
 * Suspending a tenant closes every mailbox of it at once: mail_users shows login_enabled = 0 for all its
 * accounts (the view joins the tenant's status), and the open sessions are kicked after commit.
 * Mail is still delivered (suspension is about access, not about losing mail).
 */
export async function suspendTenant(ctx: Ctx, tenantId: string) {
  return setTenantStatus(ctx, tenantId, 'suspended');
}

export async function resumeTenant(ctx: Ctx, tenantId: string) {
  return setTenantStatus(ctx, tenantId, 'active');
}

async function setTenantStatus(ctx: Ctx, tenantId: string, status: 'active' | 'suspended') {
  authorize(ctx, 'tenant.update', tenantId);
  return inTransaction(ctx.db, async ({ trx, afterCommit }) => {
    const before = await loadTenant(trx, ctx, tenantId);
    if (before.status === status) return presentTenant(before);
    await updateTenant(trx, tenantId, { status, updated_at: nowIso() });
    const after = presentTenant((await findTenant(trx, tenantId))!);
    await appendAudit(trx, ctx.actor, {
      action: status === 'suspended' ? 'tenant.suspended' : 'tenant.resumed',
      tenantId,
      target: { type: 'tenant', id: tenantId },
      before: presentTenant(before),
      after,
    });
    if (status === 'suspended') {
      const masks = (await tenantDomainNames(trx, tenantId)).map(domainMask);
      afterCommit(() => kickUsers(ctx, masks));
    }
    return after;
  });
}
