import { z } from 'zod';
import { appendAudit } from '../../platform/audit';
import type { Ctx } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { notFound } from '../../platform/errors';
import { presentDomain } from '../presenters';
import { findDomain, updateDomain } from '../repositories/domains';
import { authorize } from '../shared/support';

/**
 * An operator vouches for a domain without its DNS record (`PATCH /tenants/:tenantId/domains/:domainId`
 * with `{"verified": true}`, `postwerk domain mark-verified`): the platform's own domains, a customer who
 * proved ownership another way. Operators only (`domain.verify`; a tenant admin gets 403), audited as
 * `domain.verified` with `method: "operator"`. Idempotent: a verified domain answers as it is.
 */
export const markDomainVerifiedInput = z.strictObject({
  verified: z.literal(true, { error: 'only `true`: a verified domain cannot be set back to pending' }),
});
export type MarkDomainVerifiedInput = z.infer<typeof markDomainVerifiedInput>;

export async function markDomainVerified(ctx: Ctx, tenantId: string, domainId: string, input: MarkDomainVerifiedInput) {
  authorize(ctx, 'domain.verify', tenantId);
  markDomainVerifiedInput.parse(input);
  return inTransaction(ctx.db, async ({ trx }) => {
    const before = await findDomain(trx, tenantId, domainId);
    if (!before) throw notFound('domain', domainId);
    if (before.verification_status === 'verified') return presentDomain(before);
    const now = nowIso();
    const patch = { verification_status: 'verified' as const, verification_error: null, verified_at: now, updated_at: now };
    await updateDomain(trx, domainId, patch);
    const after = presentDomain({ ...before, ...patch });
    await appendAudit(trx, ctx.actor, {
      action: 'domain.verified',
      tenantId,
      target: { type: 'domain', id: domainId },
      before: presentDomain(before),
      after: { ...after, method: 'operator' },
    });
    return after;
  });
}
