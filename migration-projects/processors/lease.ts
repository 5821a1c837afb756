import type { Logger } from '../../platform/logger';
import { ACCOUNT_LEASE_MS, LEASE_RENEW_MS } from '../limits';

/** How long an account's lease lasts and how often a running pass renews it (tests shorten both). */
export interface LeaseTiming {
  durationMs: number;
  renewEveryMs: number;
}

export const DEFAULT_LEASE: LeaseTiming = Object.freeze({ durationMs: ACCOUNT_LEASE_MS, renewEveryMs: LEASE_RENEW_MS });

/** Stable code of the outcome of a pass that another pass of the same account kept from starting. */
export const ACCOUNT_BUSY = 'MIGRATION_ACCOUNT_BUSY';

/**
 * Renews an account's lease on a timer for as long as a pass runs (not only while messages are copied),
 * so that a second pass of the same account cannot start while this one lists or hashes. Returns stop().
 */
export function keepLease(renew: () => Promise<boolean>, log: Logger, everyMs = LEASE_RENEW_MS): () => void {
  const timer = setInterval(() => {
    renew()
      .then((held) => {
        if (!held) log.warn('the account lease is no longer ours');
      })
      .catch((err: Error) => log.warn({ err: err.message }, 'lease not renewed'));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
