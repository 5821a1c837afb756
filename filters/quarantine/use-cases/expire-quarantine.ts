import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { systemActor } from '../../../platform/actor';
import { appendAudit } from '../../../platform/audit';
import type { Services } from '../../../platform/context';
import { inTransaction } from '../../../platform/db/transaction';
import { deleteQuarantined, filesOfTenant, listExpired } from '../repositories/quarantine';
import { EXPIRE_BATCH, EXPIRE_MAX_PER_RUN, ORPHAN_FILE_AGE_MS } from '../limits';
import { presentQuarantined } from './view';
import { removeQuarantineFile } from './delete-quarantined';

export const expireQuarantineInput = z.strictObject({
  /** the clock (tests move it forward); default now */
  now: z.iso.datetime().optional(),
  /** one tenant only (an operator's manual run; tests sharing a database) */
  tenantId: z.uuid().optional(),
});
export type ExpireQuarantineInput = z.infer<typeof expireQuarantineInput>;

export interface ExpireResult {
  expired: number;
  orphanFilesRemoved: number;
}

/**
 * The scheduled expiry (job quarantine.expire, hourly): every quarantined message past its tenant's
 * period is deleted, row (audited, as the system) then file; released rows go the same way. Then the
 * folder is swept for sealed files no row names (a crash between writing and indexing, a failed
 * removal) once they are older than ORPHAN_FILE_AGE_MS, so a write in progress is never touched.
 */
export async function expireQuarantine(
  services: Pick<Services, 'config' | 'db' | 'logger'>,
  input: ExpireQuarantineInput = {},
): Promise<ExpireResult> {
  const p = expireQuarantineInput.parse(input);
  const now = p.now ?? new Date().toISOString();
  const actor = systemActor('quarantine.expire');
  let expired = 0;
  while (expired < EXPIRE_MAX_PER_RUN) {
    const rows = await listExpired(services.db, now, EXPIRE_BATCH, p.tenantId);
    if (!rows.length) break;
    for (const row of rows) {
      await inTransaction(services.db, async ({ trx }) => {
        await deleteQuarantined(trx, row.id);
        await appendAudit(trx, actor, {
          action: 'quarantine.expired',
          tenantId: row.tenant_id,
          target: { type: 'quarantined_message', id: row.id },
          before: presentQuarantined(row),
        });
      });
      await removeQuarantineFile(services, row.file);
      expired++;
    }
    if (rows.length < EXPIRE_BATCH) break;
  }
  // orphans age by the real clock: a moved `now` must never take a file whose write is under way
  const orphanFilesRemoved = await sweepOrphans(services, Date.now(), p.tenantId);
  if (expired || orphanFilesRemoved) services.logger.info({ expired, orphanFilesRemoved }, 'quarantine expiry');
  return { expired, orphanFilesRemoved };
}

async function sweepOrphans(services: Pick<Services, 'config' | 'db' | 'logger'>, nowMs: number, onlyTenant?: string): Promise<number> {
  const root = services.config.quarantineDir;
  let removed = 0;
  let tenants: string[];
  try {
    tenants = await fs.promises.readdir(root);
  } catch {
    return 0; // nothing was ever quarantined here
  }
  for (const tenantId of tenants) {
    if (onlyTenant && tenantId !== onlyTenant) continue;
    const dir = path.join(root, tenantId);
    const names = await fs.promises.readdir(dir).catch(() => [] as string[]);
    if (!names.length) continue;
    const known = await filesOfTenant(services.db, tenantId);
    for (const name of names) {
      const rel = path.join(tenantId, name);
      if (known.has(rel)) continue;
      const stat = await fs.promises.stat(path.join(dir, name)).catch(() => null);
      if (!stat?.isFile() || nowMs - stat.mtimeMs < ORPHAN_FILE_AGE_MS) continue;
      await fs.promises.rm(path.join(dir, name), { force: true });
      removed++;
    }
  }
  return removed;
}
