// Holding a whole tenant off its backup passes, for maintenance that must not run beside one (retention
// and garbage collection): see collect-garbage.ts for why a body that looks unreferenced may be about to
// be referenced by a running pass.
import type { Services } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { listAccounts } from '../../tenancy/repositories/accounts';
import { MAINTENANCE_BATCH } from '../limits';
import { indexedAccounts } from '../repositories/maintenance';
import { acquireLease, type Lease } from './lease';

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

/**
 * Runs `fn` while the tenant's lease (keyed by the tenant id in `backup_leases`; ids are UUIDs, so it
 * never meets an account's) and the lease of every account of the tenant (accounts and accounts the index
 * still names) are held, renewed like a pass's. A pass starting meanwhile sees the tenant lease and gives
 * up (`acquirePassLease`); a pass already running holds its account's lease, so this gives up with
 * `conflict` (the job retries later) and waits for none. `check()` throws once any lease was lost.
 */
export async function holdTenant<T>(
  services: Pick<Services, 'db'>,
  tenantId: string,
  why: string,
  fn: (check: () => void) => Promise<T>,
): Promise<T> {
  const leases: Lease[] = [];
  const held = new Set<string>();
  try {
    leases.push(await acquireLease(services.db, tenantId, `tenant ${tenantId} (${why})`));
    // listed again once held: an account created while the first leases were taken is leased too
    for (;;) {
      const missing = [...(await tenantAccountIds(services.db, tenantId))].filter((id) => !held.has(id));
      if (!missing.length) break;
      for (const id of missing) {
        leases.push(await acquireLease(services.db, id, `account ${id} (${why})`));
        held.add(id);
      }
    }
    return await fn(() => {
      for (const l of leases) l.check();
    });
  } catch (e) {
    if (e instanceof AppError && e.code === 'conflict')
      throw new AppError('conflict', `${why} waits for a running backup pass: ${e.message}`);
    throw e;
  } finally {
    for (const l of leases) await l.release().catch(() => undefined);
  }
}
