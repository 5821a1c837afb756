import { z } from 'zod';
import { appendAudit } from '../../platform/audit';
import type { Ctx } from '../../platform/context';
import { isUniqueViolation, nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { conflict, forbidden } from '../../platform/errors';
import { can } from '../../platform/permissions';
import { presentDomain } from '../presenters';
import { findDomainByName, insertDomain } from '../repositories/domains';
import type { DomainRow } from '../repositories/rows';
import { normalizeDomain } from '../shared/addresses';
import { domainName } from '../shared/schemas';
import { newVerificationToken } from '../shared/verification-record';
import { authorize, loadTenant, newId } from '../shared/support';

/**
 * Adds a domain to a tenant. A domain name is unique platform-wide: one taken by another tenant is
 * refused with 409 saying so (the name is what the caller sent, so this reveals nothing it did not know
 * beyond "someone has it", which DNS already tells).
 *
 * Ownership (shared/domain-ownership.ts): a domain a tenant admin adds is `pending`, with a fresh token
 * for its TXT record, until the record is found; asking for it verified (`verified: true`, or the old
 * `status: "verified"`) is 403 for anyone but an operator. An operator's domain is verified at once
 * unless the operator asks for the DNS check (`verified: false`).
 */
export const createDomainInput = z.strictObject({
  name: domainName,
  /** `verified` is kept for old clients and means `verified: true` */
  status: z.enum(['verified', 'active']).optional(),
  verified: z.boolean().optional(),
});
export type CreateDomainInput = z.infer<typeof createDomainInput>;

export async function createDomain(ctx: Ctx, tenantId: string, input: CreateDomainInput) {
  authorize(ctx, 'domain.write', tenantId);
  const name = normalizeDomain(input.name, 'name');
  const asked = input.verified ?? (input.status === 'verified' ? true : undefined);
  const operator = can(ctx.actor, 'domain.verify');
  if (asked === true && !operator) {
    throw forbidden(
      'only an operator can mark a domain verified; add it without "verified", publish the TXT record it shows and ask for a check (POST …/verify)',
    );
  }
  const verified = asked ?? operator;
  const now = nowIso();
  const row: DomainRow = {
    id: newId(),
    tenant_id: tenantId,
    name,
    status: input.status ?? 'active',
    verification_status: verified ? 'verified' : 'pending',
    verification_token: verified ? null : newVerificationToken(),
    verification_checked_at: null,
    verification_error: null,
    verified_at: verified ? now : null,
    created_at: now,
    updated_at: now,
  };
  return inTransaction(ctx.db, async ({ trx }) => {
    await loadTenant(trx, ctx, tenantId);
    const existing = await findDomainByName(trx, name);
    if (existing) throw domainTaken(name, existing.tenant_id === tenantId);
    try {
      await insertDomain(trx, row);
    } catch (e) {
      if (isUniqueViolation(e)) throw domainTaken(name, false);
      throw e;
    }
    const out = presentDomain(row);
    await appendAudit(trx, ctx.actor, { action: 'domain.created', tenantId, target: { type: 'domain', id: row.id }, after: out });
    return out;
  });
}

const domainTaken = (name: string, ownTenant: boolean) =>
  conflict(ownTenant ? `domain ${name} already belongs to this tenant` : `domain ${name} is registered to another tenant`, [
    { path: 'name', message: ownTenant ? 'already added' : 'registered to another tenant' },
  ]);
