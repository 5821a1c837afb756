import type { Logger } from '../../platform/logger';
import { LEASE_RENEW_MS } from '../limits';

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
