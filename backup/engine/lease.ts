// The per-account lease of a backup pass: taken before the first IMAP command, renewed on a timer for the
// whole pass (listing, fetching, indexing), released at the end. A pass whose lease was lost stops at its
// next step instead of running beside another.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Db } from '../../platform/db';
import { AppError } from '../../platform/errors';
import { releaseLease, renewLease, tryAcquireLease } from '../repositories/leases';
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
