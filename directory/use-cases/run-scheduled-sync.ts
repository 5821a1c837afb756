import type { Ctx } from '../../platform/context';
import { AppError, isAppError } from '../../platform/errors';
import { applySync, recordFailure } from './apply-sync';
import { previewSync } from './preview-sync';

export type ScheduledSyncResult =
  | { status: 'applied'; digest: string; counts: Record<string, number> }
  | { status: 'conflicts'; counts: Record<string, number>; conflicts: Array<{ dn: string | null; address: string | null; reason: string }> }
  | { status: 'failed'; code: string; message: string };

/**
 * The scheduled sync (job `directory.sync`): a preview, and its apply only when it has no conflict.
 * A sync with conflicts is reported (the connection's last sync status, the job's result) and nothing is
 * applied; so is a directory that cannot be reached or refuses the bind.
 */
export async function runScheduledSync(ctx: Ctx, tenantId: string): Promise<ScheduledSyncResult> {
  try {
    const preview = await previewSync(ctx, tenantId);
    const counts = preview.counts as unknown as Record<string, number>;
    if (preview.counts.conflicts > 0) {
      await recordFailure(
        ctx,
        tenantId,
        new AppError('conflict', `${preview.counts.conflicts} conflict(s): the scheduled sync applied nothing`, {
          conflicts: preview.conflicts.slice(0, 20),
        }),
        preview.counts,
      );
      return { status: 'conflicts', counts, conflicts: preview.conflicts.map((c) => ({ dn: c.dn, address: c.address, reason: c.reason })) };
    }
    const applied = await applySync(ctx, tenantId, { digest: preview.digest });
    return { status: 'applied', digest: applied.digest, counts: applied.counts };
  } catch (e) {
    if (!isAppError(e)) throw e;
    await recordFailure(ctx, tenantId, e);
    return { status: e.code === 'conflict' ? 'conflicts' : 'failed', code: e.code, message: e.message } as ScheduledSyncResult;
  }
}
