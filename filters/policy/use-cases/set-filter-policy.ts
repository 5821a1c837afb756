import { z } from 'zod';
import { appendAudit } from '../../../platform/audit';
import type { Ctx } from '../../../platform/context';
import { nowIso } from '../../../platform/db';
import { inTransaction } from '../../../platform/db/transaction';
import { invalid } from '../../../platform/errors';
import { requirePermission } from '../../../platform/permissions';
import { upsertPolicyRow } from '../repositories/policies';
import { bandSchema, quarantineDaysSchema, releasePolicySchema, validateBands } from '../policy';
import { MAX_BANDS } from '../limits';
import { authorizeTenant } from './access';
import { loadPolicy } from './load-policy';
import { presentPolicy, type FilterPolicyView } from './get-filter-policy';

export const setFilterPolicyInput = z.strictObject({
  tenantId: z.uuid(),
  /** the whole list of bands (replaces the old one); [] delivers everything with X-Spam headers */
  bands: z.array(bandSchema).max(MAX_BANDS).optional(),
  /** required with a discard band: discarded mail is lost without a trace */
  allowDiscard: z.boolean().optional(),
  /** operators only */
  releasePolicy: releasePolicySchema.partial().optional(),
  quarantineDays: quarantineDaysSchema.optional(),
});
export type SetFilterPolicyInput = z.infer<typeof setFilterPolicyInput>;

/**
 * Changes a tenant's filter policy: the score bands, the quarantine period (for mail quarantined from
 * now on), and (operators only) the release policy. Fields left out keep their value. Audited with
 * the policy before and after; the next message scanned uses the new one.
 */
export async function setFilterPolicy(ctx: Ctx, input: SetFilterPolicyInput): Promise<FilterPolicyView> {
  const p = setFilterPolicyInput.parse(input);
  await authorizeTenant(ctx, ctx.db, 'filter.write', p.tenantId);
  if (p.releasePolicy && Object.keys(p.releasePolicy).length) requirePermission(ctx.actor, 'filter.release-policy');
  if (p.bands) {
    const problem = validateBands(p.bands, { allowDiscard: p.allowDiscard === true });
    if (problem) throw invalid(`bands: ${problem}`);
  }
  return inTransaction(ctx.db, async ({ trx }) => {
    const before = await loadPolicy(trx, p.tenantId);
    const after = {
      ...before,
      bands: p.bands ?? before.bands,
      releasePolicy: { ...before.releasePolicy, ...p.releasePolicy },
      quarantineDays: p.quarantineDays ?? before.quarantineDays,
      isDefault: false,
      updatedAt: nowIso(),
    };
    await upsertPolicyRow(trx, {
      tenant_id: p.tenantId,
      bands: JSON.stringify(after.bands),
      release_policy: JSON.stringify(after.releasePolicy),
      quarantine_days: after.quarantineDays,
      updated_at: after.updatedAt,
    });
    const view = presentPolicy(after);
    const { updatedAt: _b, ...beforeView } = presentPolicy(before);
    const { updatedAt: _a, ...afterView } = view;
    await appendAudit(trx, ctx.actor, {
      action: 'filter.policy.updated',
      tenantId: p.tenantId,
      target: { type: 'filter_policy', id: p.tenantId },
      before: beforeView,
      after: afterView,
    });
    return view;
  });
}
