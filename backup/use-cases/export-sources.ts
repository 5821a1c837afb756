import type { Ctx } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { liveOpener, type ExportSpec, type SourceOpener } from '../export/archive';

/** Which source an export reads: the live mailbox, or the backup (store and index) as of `spec.at`. */
export function exportSourceOpener(ctx: Ctx, spec: ExportSpec): SourceOpener {
  if (spec.from === 'live') return liveOpener(ctx);
  return async () => {
    throw new AppError('precondition_failed', 'export from a backup needs the backup store');
  };
}
