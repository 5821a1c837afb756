import type { Ctx } from '../../platform/context';
import { notFound } from '../../platform/errors';
import { presentDomain } from '../presenters';
import { findDomain } from '../repositories/domains';
import { runVerificationCheck } from '../shared/domain-ownership';
import { authorize, loadTenant } from '../shared/support';

/**
 * "Check my DNS now" (`POST /tenants/:tenantId/domains/:domainId/verify`, `postwerk domain verify`): looks
 * up the domain's TXT record at once, as the 10-minute sweep does, and answers the domain with the
 * result: verified (audited `domain.verified`, by the caller), or still pending with `lastError` saying
 * what DNS answered. A domain that is verified already answers as it is, without a lookup.
 */
export async function verifyDomain(ctx: Ctx, tenantId: string, domainId: string) {
  authorize(ctx, 'domain.write', tenantId);
  await loadTenant(ctx.db, ctx, tenantId);
  const row = await findDomain(ctx.db, tenantId, domainId);
  if (!row) throw notFound('domain', domainId);
  if (row.verification_status !== 'pending') return presentDomain(row);
  const after = await runVerificationCheck(ctx, ctx.actor, row, 'dns');
  if (!after) throw notFound('domain', domainId);
  return after;
}
