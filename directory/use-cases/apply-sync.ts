import { z } from 'zod';
import { appendAudit } from '../../platform/audit';
import type { Ctx } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { AppError, isAppError } from '../../platform/errors';
import { assertPoolCovers, lockPool } from '../../quotas/shared/pool';
import { authorize, kickUsers, loadTenant } from '../../tenancy/shared/support';
import { openSession } from '../ldap/client';
import { recordSyncResult } from '../repositories/connections';
import { applyItems } from '../shared/apply-items';
import { planSync, type PlanCounts } from '../shared/plan';
import { loadSettings } from './get-connection';

export const applySyncInput = z.strictObject({
  /** the digest of the preview being applied (`previewSync`): a sync that would do anything else is refused */
  digest: z.string().regex(/^[0-9a-f]{64}$/, 'the 64 hex digits of a preview digest'),
});
export type ApplySyncInput = z.infer<typeof applySyncInput>;

export const SyncApplied = z.object({
  tenantId: z.string(),
  digest: z.string(),
  counts: z.record(z.string(), z.number()),
  appliedAt: z.string(),
});
export type SyncApplied = z.infer<typeof SyncApplied>;

/**
 * Applies the sync all or nothing, in one transaction under the tenant's pool lock: the plan is made
 * again while it is applied, page by page, and at the end the transaction commits only when the plan
 * has no conflict and its digest is the preview's. Otherwise everything rolls back: 409 `conflict`
 * (with the counts), or 412 `precondition_failed` (the directory or the tenant changed since the
 * preview: preview again). Audited as `directory.sync.applied` with the digest and the counts; the
 * sessions of suspended and renamed accounts are kicked after commit.
 */
export async function applySync(ctx: Ctx, tenantId: string, raw: ApplySyncInput): Promise<SyncApplied> {
  authorize(ctx, 'directory.write', tenantId);
  const input = applySyncInput.parse(raw);
  const s = await loadSettings(ctx, tenantId);
  try {
    const session = await openSession(s, s.bindDn, s.bindPassword);
    try {
      return await inTransaction(ctx.db, async ({ trx, afterCommit }) => {
        // the pool lock first: on SQLite it is the write lock (quotas/shared/pool.ts says why)
        await lockPool(trx, tenantId);
        const tenant = await loadTenant(trx, ctx, tenantId);
        const kicks: string[] = [];
        const summary = await planSync(trx, tenant, s, session, (items) => applyItems(trx, ctx.actor, tenant, items, kicks));
        if (summary.counts.conflicts > 0)
          throw new AppError('conflict', `the sync has ${summary.counts.conflicts} conflict(s): nothing was applied (see the preview)`, {
            counts: summary.counts,
          });
        if (summary.digest !== input.digest)
          throw new AppError(
            'precondition_failed',
            'the directory or the tenant changed since the preview (its digest differs): nothing was applied; preview again',
            { previewDigest: input.digest, currentDigest: summary.digest, counts: summary.counts },
          );
        await assertPoolCovers(trx, tenantId, 0);
        const appliedAt = nowIso();
        await appendAudit(trx, ctx.actor, {
          action: 'directory.sync.applied',
          tenantId,
          target: { type: 'directory_connection', id: tenantId },
          after: { digest: summary.digest, counts: summary.counts },
        });
        await recordSyncResult(trx, tenantId, 'applied', { digest: summary.digest, counts: summary.counts }, appliedAt);
        afterCommit(() => kickUsers(ctx, kicks));
        return { tenantId, digest: summary.digest, counts: summary.counts as unknown as Record<string, number>, appliedAt };
      });
    } finally {
      await session.close();
    }
  } catch (e) {
    if (isAppError(e)) await recordFailure(ctx, tenantId, e);
    throw e;
  }
}

/** The last sync's status on the connection (`postwerk directory status`), outside the rolled-back transaction. */
export async function recordFailure(ctx: Pick<Ctx, 'db'>, tenantId: string, e: AppError, counts?: PlanCounts): Promise<void> {
  const status = e.code === 'conflict' ? 'conflicts' : 'failed';
  await recordSyncResult(
    ctx.db,
    tenantId,
    status,
    { code: e.code, message: e.message, details: e.details ?? null, ...(counts ? { counts } : {}) },
    nowIso(),
  ).catch(() => undefined);
}
