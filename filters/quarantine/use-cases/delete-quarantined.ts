import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { appendAudit } from '../../../platform/audit';
import type { Ctx } from '../../../platform/context';
import { inTransaction } from '../../../platform/db/transaction';
import { conflict } from '../../../platform/errors';
import { deleteQuarantined as deleteRow } from '../repositories/quarantine';
import { loadQuarantined, presentQuarantined } from './view';

export const deleteQuarantinedInput = z.strictObject({ tenantId: z.uuid(), quarantineId: z.uuid() });
export type DeleteQuarantinedInput = z.infer<typeof deleteQuarantinedInput>;

/**
 * Deletes a quarantined message for good: the index row (audited) and then its file. A file whose
 * removal failed has no row any more; the expiry job's orphan sweep removes it.
 */
export async function deleteQuarantined(ctx: Ctx, input: DeleteQuarantinedInput): Promise<void> {
  const p = deleteQuarantinedInput.parse(input);
  const file = await inTransaction(ctx.db, async ({ trx }) => {
    const row = await loadQuarantined(ctx, trx, 'quarantine.delete', p.tenantId, p.quarantineId);
    if (row.status === 'releasing') throw conflict(`quarantined message ${row.id} is being released right now`);
    await deleteRow(trx, row.id);
    await appendAudit(trx, ctx.actor, {
      action: 'quarantine.deleted',
      tenantId: p.tenantId,
      target: { type: 'quarantined_message', id: row.id },
      before: presentQuarantined(row),
    });
    return row.file;
  });
  await removeQuarantineFile(ctx, file);
}

export async function removeQuarantineFile(ctx: Pick<Ctx, 'config' | 'logger'>, file: string): Promise<void> {
  try {
    await fs.promises.rm(path.join(ctx.config.quarantineDir, file), { force: true });
  } catch (e) {
    ctx.logger.warn({ file, err: (e as Error).message }, 'could not remove a quarantine file; the orphan sweep will');
  }
}
