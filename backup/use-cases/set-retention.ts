import { z } from 'zod';
import { appendAudit } from '../../platform/audit';
import type { Ctx } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { invalid } from '../../platform/errors';
import { MAX_RETENTION_DAYS } from '../limits';
import { upsertRetention } from '../repositories/maintenance';
import { retentionOf } from './apply-retention';
import { authorizeTenant } from './access';
import { getRetention, type TenantRetention } from './get-retention';

const days = (min: number) => z.number().int().min(min).max(MAX_RETENTION_DAYS);

/** Any of the three figures; the others keep their current value (own or default). */
export const retentionFigures = z.strictObject({
  /** how long an expunged message or a deleted folder stays restorable (at least a day: 0 would drop a deletion at the next run) */
  deletedDays: days(1).optional(),
  /** how long superseded flag states are kept */
  historyDays: days(1).optional(),
  /** how far back an account's own user may restore (0: self-service off) */
  selfServiceDays: days(0).optional(),
});
export const setRetentionInput = retentionFigures.extend({ tenantId: z.uuid() });
export type SetRetentionInput = z.infer<typeof setRetentionInput>;

/** Sets a tenant's retention (audited with before and after). Takes effect at the next retention run. */
export async function setRetention(ctx: Pick<Ctx, 'db' | 'actor'>, raw: SetRetentionInput): Promise<TenantRetention> {
  const input = setRetentionInput.parse(raw);
  await authorizeTenant(ctx, 'backup.maintain', input.tenantId);
  // checked after authorizing, so that another tenant's route answers 404 whatever the body
  if (input.deletedDays === undefined && input.historyDays === undefined && input.selfServiceDays === undefined) {
    throw invalid('name at least one of deletedDays, historyDays, selfServiceDays');
  }
  await inTransaction(ctx.db, async ({ trx }) => {
    const before = await retentionOf(trx, input.tenantId);
    const deletedDays = input.deletedDays ?? before.deletedDays;
    const after = {
      deletedDays,
      historyDays: input.historyDays ?? before.historyDays,
      // self-service lists expunged messages from the index: it cannot reach back past what retention
      // keeps, so shorter deleted days shorten it too unless it is named (then a conflict is an error)
      selfServiceDays: input.selfServiceDays ?? Math.min(before.selfServiceDays, deletedDays),
    };
    if (after.selfServiceDays > after.deletedDays) {
      throw invalid(`selfServiceDays (${after.selfServiceDays}) cannot exceed deletedDays (${after.deletedDays})`, after);
    }
    await upsertRetention(trx, {
      tenant_id: input.tenantId,
      deleted_days: after.deletedDays,
      history_days: after.historyDays,
      self_service_days: after.selfServiceDays,
      updated_at: nowIso(),
    });
    await appendAudit(trx, ctx.actor, {
      action: 'backup.retention.updated',
      tenantId: input.tenantId,
      target: { type: 'tenant', id: input.tenantId },
      before,
      after,
    });
  });
  return getRetention(ctx, { tenantId: input.tenantId });
}
