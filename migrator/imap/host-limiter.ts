// A per-host connection limit shared by every pass in this process (parallel accounts and
// folders against one source server stay under its per-IP limit).

class Semaphore {
  private waiters: Array<() => void> = [];
  private used = 0;
  constructor(private limit: number) {}
  setLimit(limit: number): void {
    this.limit = Math.min(this.limit, limit);
  }
  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.used >= this.limit) {
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          this.waiters = this.waiters.filter((w) => w !== go);
          reject(signal?.reason ?? new Error('aborted'));
        };
        const go = (): void => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        this.waiters.push(go);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
    this.used++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used--;
      this.waiters.shift()?.();
    };
  }
}

const hosts = new Map<string, Semaphore>();

/** Waits for a connection slot on host:port; call the returned function to give it back. */
export function acquireHostSlot(host: string, port: number, limit: number, signal?: AbortSignal): Promise<() => void> {
  const key = `${host.toLowerCase()}:${port}`;
  let s = hosts.get(key);
  if (!s) hosts.set(key, (s = new Semaphore(limit)));
  else s.setLimit(limit);
  return s.acquire(signal);
}
