import { z } from 'zod';
import type { Services } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { listAccounts } from '../../tenancy/repositories/accounts';
import { acquireLease, type Lease } from '../engine/lease';
import { MAINTENANCE_BATCH } from '../limits';
import { deleteBlobRow } from '../repositories/keys';
import { indexedAccounts, referencedHashes } from '../repositories/maintenance';
import { openStore } from '../store/open-store';

/**
 * Garbage collection of one tenant's store: deletes the bodies no index row names any more (after
 * retention removed their rows).
 *
 * Safe against a concurrent backup pass: a pass `put`s a body first (finding it already stored is
 * enough for it) and names it in the index afterwards, so a body that looks unreferenced may be about
 * to be referenced. The collector therefore holds the backup lease of every account of the tenant (the
 * same per-account lease a pass takes, renewed while it runs) for its whole run: while it runs no pass
 * of the tenant can start, and it waits for none (a pass holding a lease makes it give up with
 * `conflict`, and the job retries later). Accounts are listed again once the leases are held, so an
 * account created meanwhile is leased too.
 */
export const collectGarbageInput = z.strictObject({ tenantId: z.uuid() });
export type CollectGarbageInput = z.infer<typeof collectGarbageInput>;

async function tenantAccountIds(db: Services['db'], tenantId: string): Promise<Set<string>> {
  const ids = new Set(await indexedAccounts(db, tenantId));
  let cursor: string | undefined;
  do {
    const page = await listAccounts(db, tenantId, {}, { limit: MAINTENANCE_BATCH, cursor });
    for (const a of page.items) ids.add(a.id);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return ids;
}

export async function collectGarbage(services: Pick<Services, 'db' | 'config' | 'logger'>, raw: CollectGarbageInput) {
  const input = collectGarbageInput.parse(raw);
  const leases = new Map<string, Lease>();
  try {
    for (;;) {
      const ids = await tenantAccountIds(services.db, input.tenantId);
      const missing = [...ids].filter((id) => !leases.has(id));
      if (!missing.length) break;
      for (const id of missing) leases.set(id, await acquireLease(services.db, id, `account ${id} (garbage collection)`));
    }
    const store = await openStore(services, input.tenantId);
    let checked = 0;
    let deleted = 0;
    let batch: string[] = [];
    const sweep = async () => {
      const referenced = await referencedHashes(services.db, input.tenantId, batch);
      for (const hash of batch) {
        if (referenced.has(hash)) continue;
        for (const l of leases.values()) l.check();
        await store.delete(hash);
        await deleteBlobRow(services.db, input.tenantId, hash);
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
  } catch (e) {
    if (e instanceof AppError && e.code === 'conflict')
      throw new AppError('conflict', `garbage collection waits for a running backup pass: ${e.message}`);
    throw e;
  } finally {
    for (const l of leases.values()) await l.release().catch(() => undefined);
  }
}
