import { z } from 'zod';
import type { Services } from '../../platform/context';
import { holdTenant } from '../engine/tenant-hold';
import { MAINTENANCE_BATCH } from '../limits';
import { deleteBlobRow, findBackupKey } from '../repositories/keys';
import { indexedAccounts, referencedHashes } from '../repositories/maintenance';
import { openStore } from '../store/open-store';

/**
 * Garbage collection of one tenant's store: deletes the bodies no index row names any more (after
 * retention removed their rows).
 *
 * Safe against a concurrent backup pass: a pass `put`s a body first (finding it already stored is
 * enough for it) and names it in the index afterwards, so a body that looks unreferenced may be about
 * to be referenced. The collector therefore runs under `holdTenant` (engine/tenant-hold.ts): the tenant's
 * lease and the backup lease of every account of the tenant, renewed while it runs. No pass of the
 * tenant can start meanwhile (also not of an account created meanwhile), and a running pass makes it
 * give up with `conflict` (the job retries later).
 */
export const collectGarbageInput = z.strictObject({ tenantId: z.uuid() });
export type CollectGarbageInput = z.infer<typeof collectGarbageInput>;

export async function collectGarbage(services: Pick<Services, 'db' | 'config' | 'logger'>, raw: CollectGarbageInput) {
  const input = collectGarbageInput.parse(raw);
  return holdTenant(services, input.tenantId, 'garbage collection', (check) => sweepUnreferenced(services, input.tenantId, check));
}

/** The sweep itself; only under `holdTenant` (collectGarbage, runRetention). */
export async function sweepUnreferenced(
  services: Pick<Services, 'db' | 'config' | 'logger'>,
  tenantId: string,
  check: () => void,
): Promise<{ checked: number; deleted: number }> {
  // a tenant never backed up has no key and no store: nothing to collect (with an index but no key,
  // openStore fails loudly below)
  if (!(await findBackupKey(services.db, tenantId)) && !(await indexedAccounts(services.db, tenantId)).length) {
    return { checked: 0, deleted: 0 };
  }
  const store = await openStore(services, tenantId);
  let checked = 0;
  let deleted = 0;
  let batch: string[] = [];
  const sweep = async () => {
    const referenced = await referencedHashes(services.db, tenantId, batch);
    for (const hash of batch) {
      if (referenced.has(hash)) continue;
      check();
      await store.delete(hash);
      await deleteBlobRow(services.db, tenantId, hash);
      deleted++;
    }
    checked += batch.length;
    batch = [];
  };
  for await (const o of store.list()) {
    batch.push(o.hash);
    if (batch.length >= MAINTENANCE_BATCH) await sweep();
  }
  if (batch.length) await sweep();
  return { checked, deleted };
}
