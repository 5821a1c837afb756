import { z } from 'zod';
import { appendAudit } from '../../platform/audit';
import type { Ctx } from '../../platform/context';
import { isUniqueViolation, nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { conflict, invalid } from '../../platform/errors';
import { presentTenant } from '../presenters';
import { findTenantBySlug, insertTenant } from '../repositories/tenants';
import type { TenantRow } from '../repositories/rows';
import { bytes } from '../shared/schemas';
import { authorize, newId } from '../shared/support';

export const createTenantInput = z.strictObject({
  slug: z.string().min(1).max(63),
  name: z.string().trim().min(1).max(200),
  poolBytes: bytes.optional(),
  defaultAllocationBytes: bytes.optional(),
});
export type CreateTenantInput = z.infer<typeof createTenantInput>;

/** Slugs appear in URLs and CLI arguments: DNS-label rules, lower-case. */
export const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export async function createTenant(ctx: Ctx, input: CreateTenantInput) {
  authorize(ctx, 'tenant.create');
  const slug = input.slug.trim().toLowerCase();
  if (!SLUG.test(slug))
    throw invalid(`slug "${input.slug}" must be 1 to 63 letters, digits or inner hyphens`, [{ path: 'slug', message: 'invalid slug' }]);
  const pool = input.poolBytes ?? 0;
  const def = input.defaultAllocationBytes ?? 0;
  if (def > pool)
    throw invalid('defaultAllocationBytes may not exceed poolBytes', [{ path: 'defaultAllocationBytes', message: 'exceeds the pool' }]);
  const now = nowIso();
  const row: TenantRow = {
    id: newId(),
    slug,
    name: input.name.trim(),
    status: 'active',
    pool_bytes: pool,
    default_allocation_bytes: def,
    created_at: now,
    updated_at: now,
  };
  return inTransaction(ctx.db, async ({ trx }) => {
    if (await findTenantBySlug(trx, slug))
      throw conflict(`tenant slug ${slug} is already taken`, [{ path: 'slug', message: 'already taken' }]);
    try {
      await insertTenant(trx, row);
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict(`tenant slug ${slug} is already taken`);
      throw e;
    }
    const out = presentTenant(row);
    await appendAudit(trx, ctx.actor, { action: 'tenant.created', tenantId: row.id, target: { type: 'tenant', id: row.id }, after: out });
    return out;
  });
}
