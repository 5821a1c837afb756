import pLimit from 'p-limit';
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

/** Runs `fn` over `items` with at most `limit` in flight; results in input order, failures as values. */
export async function mapSettled<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<Array<PromiseSettledResult<R>>> {
  const run = pLimit(limit);
  return Promise.allSettled(items.map((item) => run(() => fn(item))));
}
