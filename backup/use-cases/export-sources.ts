import type { Ctx } from '../../platform/context';
import { liveOpener, type ExportSpec, type SourceOpener } from '../export/archive';
import { openBackupSource } from '../export/backup-source';

/** Which source an export reads: the live mailbox, or the backup (store and index) as of `spec.at`. */
export function exportSourceOpener(ctx: Ctx, spec: ExportSpec): SourceOpener {
  if (spec.from === 'live') return liveOpener(ctx);
  return (account) => openBackupSource(ctx, account, spec.at);
}
