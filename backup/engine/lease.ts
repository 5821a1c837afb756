// The per-account lease of a backup pass: taken before the first IMAP command, renewed on a timer for the
// whole pass (listing, fetching, indexing), released at the end. A pass whose lease was lost stops at its
// next step instead of running beside another.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Db } from '../../platform/db';
import { AppError } from '../../platform/errors';
import { findLease, releaseLease, renewLease, tryAcquireLease } from '../repositories/leases';
import { LEASE_RENEW_MS, LEASE_TTL_MS } from '../limits';

export interface Lease {
  readonly holder: string;
  /** Throws when the lease was lost; call between steps. */
  check(): void;
  release(): Promise<void>;
}

export async function acquireLease(db: Db, accountId: string, address: string): Promise<Lease> {
  const holder = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  if (!(await tryAcquireLease(db, accountId, holder, new Date(), LEASE_TTL_MS))) {
    throw new AppError('conflict', `a backup pass of ${address} is already running`, { accountId });
  }
  let lost: Error | null = null;
  const timer = setInterval(() => {
    renewLease(db, accountId, holder, new Date(), LEASE_TTL_MS).then(
      (ok) => {
        if (!ok) lost = new AppError('conflict', `the backup lease of ${address} was lost (another pass took it)`);
      },
      // a failed renewal is retried at the next tick; the TTL allows three misses
      () => undefined,
    );
  }, LEASE_RENEW_MS);
  timer.unref();
  return {
    holder,
    check() {
      if (lost) throw lost;
    },
    async release() {
      clearInterval(timer);
      await releaseLease(db, accountId, holder);
    },
  };
}

/**
 * The lease of a backup pass: the account's lease, refused while the tenant is held by maintenance
 * (`holdTenant`: retention and garbage collection). Taken in this order, and maintenance takes the tenant
 * first and the accounts after, so either the pass sees the tenant held, or maintenance finds the account
 * leased by the pass: the two never run side by side, also for an account created while maintenance runs.
 */
export async function acquirePassLease(db: Db, account: { id: string; tenant_id: string; address: string }): Promise<Lease> {
  const lease = await acquireLease(db, account.id, account.address);
  const hold = await findLease(db, account.tenant_id);
  if (hold && hold.expires_at > new Date().toISOString()) {
    await lease.release();
    throw new AppError('conflict', `backup maintenance (retention, garbage collection) of the tenant of ${account.address} is running`, {
      accountId: account.id,
    });
  }
  return lease;
}
