import { appendAudit } from '../../platform/audit';
import type { Ctx } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { notFound } from '../../platform/errors';
import { presentDomain } from '../presenters';
import { findDomain, updateDomain } from '../repositories/domains';
import { authorize, domainMask, kickUsers } from '../shared/support';

/**
 * Suspending a domain closes the logins of all its accounts (mail_users: login_enabled = 0 when the
 * domain is suspended) and kicks their sessions. Operators only: suspension is the platform's lever
 * (abuse, unpaid bills), so a tenant admin cannot lift it.
 */
export async function suspendDomain(ctx: Ctx, tenantId: string, domainId: string) {
  return setDomainStatus(ctx, tenantId, domainId, 'suspended');
}

export async function resumeDomain(ctx: Ctx, tenantId: string, domainId: string) {
  return setDomainStatus(ctx, tenantId, domainId, 'active');
}

async function setDomainStatus(ctx: Ctx, tenantId: string, domainId: string, status: 'active' | 'suspended') {
  authorize(ctx, 'domain.suspend', tenantId);
  return inTransaction(ctx.db, async ({ trx, afterCommit }) => {
    const before = await findDomain(trx, tenantId, domainId);
    if (!before) throw notFound('domain', domainId);
    if (before.status === status) return presentDomain(before);
    await updateDomain(trx, domainId, { status, updated_at: nowIso() });
    const after = presentDomain((await findDomain(trx, tenantId, domainId))!);
    await appendAudit(trx, ctx.actor, {
      action: status === 'suspended' ? 'domain.suspended' : 'domain.resumed',
      tenantId,
      target: { type: 'domain', id: domainId },
      before: presentDomain(before),
      after,
    });
    if (status === 'suspended') {
      afterCommit(() => kickUsers(ctx, [domainMask(before.name)]));
    }
    return after;
  });
}
