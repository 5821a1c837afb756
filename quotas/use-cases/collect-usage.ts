import { z } from 'zod';
import type { Services } from '../../platform/context';
import { systemActor, type Actor } from '../../platform/actor';
import { inTransaction } from '../../platform/db/transaction';
import { nowIso } from '../../platform/db';
import { COLLECT_BATCH, DOVEADM_CONCURRENCY, HISTORY_RETENTION_DAYS } from '../limits';
import { mapSettled, readUsage } from '../shared/dovecot-usage';
import { evaluateWarnings, type RaisedWarning } from '../shared/warnings';
import { webhookJob } from '../jobs';
import * as allocations from '../../tenancy/repositories/allocations';
import * as repo from '../repositories/usage';

/**
 * Usage collection (job quota.usage-collect, every few minutes): asks Dovecot for each account's
 * bytes and messages, stores them as the latest figures and as a history sample, and evaluates the
 * warning thresholds. One transaction per batch of accounts; Dovecot is asked before it, never while
 * a transaction is open.
 */
export type QuotaDeps = Pick<Services, 'db' | 'doveadm' | 'queue' | 'logger'>;

export interface MeasuredUsage {
  account: allocations.AccountAllocationRow;
  usedBytes: number;
  usedMessages: number;
}

/** Accounts whose figures could not be read (collection and reconciliation report them alike). */
export const FailedAccounts = z.array(z.object({ accountId: z.string(), address: z.string(), error: z.string() }));

export const CollectResult = z.object({ accounts: z.number(), failed: FailedAccounts, warnings: z.number(), pruned: z.number() });
export type CollectResult = z.infer<typeof CollectResult>;

/**
 * Stores measured figures (latest + sample) and raises warnings, in one transaction; webhooks are
 * queued after commit. Shared by collection, reconciliation and allocation changes.
 */
export async function recordUsage(deps: QuotaDeps, actor: Actor, measured: MeasuredUsage[]): Promise<RaisedWarning[]> {
  if (!measured.length) return [];
  return inTransaction(deps.db, async ({ trx, afterCommit }) => {
    await repo.takeWriteLock(trx);
    const at = nowIso();
    const webhookUrls = new Map<string, string | null>();
    const raised: RaisedWarning[] = [];
    for (const m of measured) {
      // Allocation read again inside the transaction: it may have changed since the batch was listed.
      const current = await allocations.findAllocationById(trx, m.account.id);
      if (!current) continue; // purged meanwhile
      const row = {
        account_id: current.id,
        tenant_id: current.tenant_id,
        used_bytes: m.usedBytes,
        used_messages: m.usedMessages,
        collected_at: at,
      };
      await repo.saveUsage(trx, row);
      await repo.insertSample(trx, {
        account_id: row.account_id,
        tenant_id: row.tenant_id,
        at,
        used_bytes: row.used_bytes,
        used_messages: row.used_messages,
      });
      const level = (await repo.usageOf(trx, [current.id])).get(current.id)?.warning_level ?? 0;
      if (!webhookUrls.has(current.tenant_id)) webhookUrls.set(current.tenant_id, await repo.webhookUrlOf(trx, current.tenant_id));
      raised.push(
        ...(await evaluateWarnings(trx, actor, {
          tenantId: current.tenant_id,
          accountId: current.id,
          address: current.address,
          usedBytes: m.usedBytes,
          allocationBytes: current.allocation_bytes,
          currentLevel: level,
          webhookUrl: webhookUrls.get(current.tenant_id) ?? null,
        })),
      );
    }
    afterCommit(() => queueWebhooks(deps, raised));
    return raised;
  });
}

export async function queueWebhooks(deps: Pick<QuotaDeps, 'queue' | 'logger'>, raised: RaisedWarning[]): Promise<void> {
  for (const w of raised.filter((r) => r.webhook)) {
    try {
      await deps.queue.enqueue(webhookJob, { tenantId: w.tenantId, notificationId: w.notificationId });
    } catch (e) {
      // The notification row stays 'pending'; the next collection does not re-raise it, so say so loudly.
      deps.logger.error(
        { err: (e as Error).message, notificationId: w.notificationId, tenantId: w.tenantId },
        'could not queue quota webhook',
      );
    }
  }
}

/** Collects every account's usage (or one tenant's). */
export async function collectUsage(deps: QuotaDeps, opts: { tenantId?: string | undefined } = {}): Promise<CollectResult> {
  const actor = systemActor('quota.usage-collect');
  const result: CollectResult = { accounts: 0, failed: [], warnings: 0, pruned: 0 };
  let afterId: string | null = null;
  for (;;) {
    const batch = await allocations.accountsAfter(deps.db, { afterId, limit: COLLECT_BATCH, tenantId: opts.tenantId });
    if (!batch.length) break;
    afterId = batch.at(-1)!.id;
    const figures = await mapSettled(batch, DOVEADM_CONCURRENCY, (a) => readUsage(deps.doveadm, a.address));
    const measured: MeasuredUsage[] = [];
    figures.forEach((f, i) => {
      const account = batch[i]!;
      if (f.status === 'fulfilled') measured.push({ account, ...f.value });
      else result.failed.push({ accountId: account.id, address: account.address, error: (f.reason as Error).message });
    });
    const raised = await recordUsage(deps, actor, measured);
    result.accounts += measured.length;
    result.warnings += raised.length;
    if (batch.length < COLLECT_BATCH) break;
  }
  if (!opts.tenantId) {
    result.pruned = await repo.pruneSamples(deps.db, new Date(Date.now() - HISTORY_RETENTION_DAYS * 86_400_000).toISOString());
  }
  if (result.failed.length)
    deps.logger.warn({ failed: result.failed.length, first: result.failed[0] }, 'usage collection could not read some accounts');
  return result;
}
