// A per-host connection limit shared by every pass in this process (parallel accounts and
// folders against one source server stay under its per-IP limit). p-limit queues the waiters;
// a slot is held from the moment it is granted until the returned function is called.
import pLimit from 'p-limit';
import { MigratorError } from '../errors';

const hosts = new Map<string, pLimit.Limit>();

/**
 * Waits for a connection slot on host:port; call the returned function to give it back. The first
 * pass against a host sets its limit for the life of the process (p-limit's is fixed).
 */
export function acquireHostSlot(host: string, port: number, limit: number, signal?: AbortSignal): Promise<() => void> {
  const key = `${host.toLowerCase()}:${port}`;
  let slots = hosts.get(key);
  if (!slots) hosts.set(key, (slots = pLimit(limit)));
  return new Promise((resolve, reject) => {
    let gaveUp = false;
    const onAbort = (): void => {
      gaveUp = true;
      reject(new MigratorError('MIGRATOR_ABORTED', 'migration cancelled'));
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    void slots(
      () =>
        new Promise<void>((giveBack) => {
          signal?.removeEventListener('abort', onAbort);
          if (gaveUp) return giveBack(); // cancelled while waiting: pass the slot on at once
          let released = false;
          resolve(() => {
            if (released) return;
            released = true;
            giveBack();
          });
        }),
    );
  });
}
