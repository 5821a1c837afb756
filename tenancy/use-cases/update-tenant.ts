import { z } from 'zod';
import { appendAudit } from '../../platform/audit';
import type { Ctx } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { invalid } from '../../platform/errors';
import { presentTenant } from '../presenters';
import { findTenant, updateTenant as updateRow } from '../repositories/tenants';
import { bytes } from '../shared/schemas';
import { authorize, loadTenant } from '../shared/support';

/** Name and default allocation of new accounts. The pool itself is the quotas module's (tenant.pool.update). */
export const updateTenantInput = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  defaultAllocationBytes: bytes.optional(),
});
export type UpdateTenantInput = z.infer<typeof updateTenantInput>;

export async function updateTenant(ctx: Ctx, tenantId: string, input: UpdateTenantInput) {
  authorize(ctx, 'tenant.update', tenantId);
  return inTransaction(ctx.db, async ({ trx }) => {
    const before = await loadTenant(trx, ctx, tenantId);
    const patch: Record<string, unknown> = {};
    if (input.name !== undefined) patch.name = input.name.trim();
    if (input.defaultAllocationBytes !== undefined) {
      if (input.defaultAllocationBytes > Number(before.pool_bytes)) {
        throw invalid('defaultAllocationBytes may not exceed the pool', [{ path: 'defaultAllocationBytes', message: 'exceeds the pool' }]);
      }
      patch.default_allocation_bytes = input.defaultAllocationBytes;
    }
    if (Object.keys(patch).length === 0) return presentTenant(before);
    await updateRow(trx, tenantId, { ...patch, updated_at: nowIso() });
    const after = presentTenant((await findTenant(trx, tenantId))!);
    await appendAudit(trx, ctx.actor, {
      action: 'tenant.updated',
      tenantId,
      target: { type: 'tenant', id: tenantId },
      before: presentTenant(before),
      after,
    });
    return after;
  });
}
