import type { DoveadmClient } from '../../platform/mail/doveadm';

/**
 * Usage as Dovecot counts it. Source: doveadm's quotaGet over the HTTP API, rather than quota_clone
 * into a dict: it asks the quota plugin that enforces the limit (count backend, vsizes), so the figure
 * is exactly what APPEND and LMTP are judged by; it needs no extra Dovecot configuration or storage;
 * and the count backend syncs the mailboxes while counting, so mail written behind Dovecot's back is
 * included. Cost: one request per account per collection. Resolution: Dovecot 2.3 reports STORAGE in
 * KiB, so bytes are rounded down to a KiB multiple: negligible against allocations of MiB and GiB.
 */
export interface UsageFigures {
  usedBytes: number;
  usedMessages: number;
  /** the limit Dovecot currently applies, bytes (null: none; it is always set on this platform) */
  limitBytes: number | null;
}

export async function readUsage(doveadm: DoveadmClient, address: string): Promise<UsageFigures> {
  const rows = await doveadm.quotaGet(address);
  const storage = rows.find((r) => r.type === 'STORAGE');
  const messages = rows.find((r) => r.type === 'MESSAGE');
  return { usedBytes: storage?.value ?? 0, usedMessages: messages?.value ?? 0, limitBytes: storage?.limit ?? null };
}

/** Rejects after `ms` with an Error whose message says what timed out. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    }),
  ]);
}

/** Runs `fn` over `items` with at most `limit` in flight; results in input order, failures as values. */
export async function mapSettled<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<Array<PromiseSettledResult<R>>> {
  const out: Array<PromiseSettledResult<R>> = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        out[i] = { status: 'fulfilled', value: await fn(items[i]!) };
      } catch (reason) {
        out[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
