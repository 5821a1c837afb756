import { z } from 'zod';
import { systemActor, type Actor } from '../../platform/actor';
import { appendAudit } from '../../platform/audit';
import { inTransaction } from '../../platform/db/transaction';
import { COLLECT_BATCH, DOVEADM_CONCURRENCY } from '../limits';
import { mapSettled, readUsage } from '../shared/dovecot-usage';
import { FailedAccounts, recordUsage, type MeasuredUsage, type QuotaDeps } from './collect-usage';
import * as allocations from '../../tenancy/repositories/allocations';
import * as repo from '../repositories/usage';

/**
 * Reconciliation (job quota.reconcile, daily, or on demand): for every account, read Dovecot's
 * figure, have Dovecot recount the mailbox (quotaRecalc) and read it again, and compare the recount
 * with what Postwerk has recorded.
 *
 * Two drifts can show up and both are repaired:
 * - Dovecot's own counter against the recount (`counterDriftBytes`): with the count backend used here
 *   it is normally 0, because counting already syncs the mailboxes; with a dict or maildir++ backend
 *   it is where drift lives, and quotaRecalc is the repair.
 * - Postwerk's record against the recount (`recordDriftBytes`): mail delivered or expunged since the
 *   last collection, a failed collection, or a record edited by hand. Repaired by storing the recount
 *   (latest figures, a history sample, warnings evaluated).
 * Each tenant with drift gets one audit entry `quota.reconciled` listing the accounts and the numbers;
 * the job's result carries the same report.
 */
export const AccountDrift = z.object({
  accountId: z.string(),
  address: z.string(),
  recordedBytes: z.number().nullable(),
  recordedMessages: z.number().nullable(),
  dovecotBytes: z.number(),
  recountBytes: z.number(),
  recountMessages: z.number(),
  recordDriftBytes: z.number(),
  counterDriftBytes: z.number(),
});
export type AccountDrift = z.infer<typeof AccountDrift>;

export const ReconcileResult = z.object({ checked: z.number(), drifted: z.array(AccountDrift), failed: FailedAccounts });
export type ReconcileResult = z.infer<typeof ReconcileResult>;

interface Measured {
  account: allocations.AccountAllocationRow;
  before: number;
  usedBytes: number;
  usedMessages: number;
}

export async function reconcileUsage(
  deps: QuotaDeps,
  opts: { tenantId?: string | undefined; actor?: Actor } = {},
): Promise<ReconcileResult> {
  const actor = opts.actor ?? systemActor('quota.reconcile');
  const result: ReconcileResult = { checked: 0, drifted: [], failed: [] };
  let afterId: string | null = null;
  for (;;) {
    const batch = await allocations.accountsAfter(deps.db, { afterId, limit: COLLECT_BATCH, tenantId: opts.tenantId });
    if (!batch.length) break;
    afterId = batch.at(-1)!.id;
    const recorded = await repo.usageOf(
      deps.db,
      batch.map((a) => a.id),
    );
    const settled = await mapSettled(batch, DOVEADM_CONCURRENCY, async (account): Promise<Measured> => {
      const before = await readUsage(deps.doveadm, account.address);
      await deps.doveadm.quotaRecalc(account.address);
      const after = await readUsage(deps.doveadm, account.address);
      return { account, before: before.usedBytes, usedBytes: after.usedBytes, usedMessages: after.usedMessages };
    });
    const measured: Measured[] = [];
    settled.forEach((s, i) => {
      const account = batch[i]!;
      if (s.status === 'fulfilled') measured.push(s.value);
      else result.failed.push({ accountId: account.id, address: account.address, error: (s.reason as Error).message });
    });
    const drifted: AccountDrift[] = [];
    for (const m of measured) {
      const rec = recorded.get(m.account.id);
      const d: AccountDrift = {
        accountId: m.account.id,
        address: m.account.address,
        recordedBytes: rec?.used_bytes ?? null,
        recordedMessages: rec?.used_messages ?? null,
        dovecotBytes: m.before,
        recountBytes: m.usedBytes,
        recountMessages: m.usedMessages,
        recordDriftBytes: m.usedBytes - (rec?.used_bytes ?? 0),
        counterDriftBytes: m.usedBytes - m.before,
      };
      // A never-collected account has no record to drift from; its first figures are simply stored.
      const hasDrift =
        d.counterDriftBytes !== 0 || (rec !== undefined && (d.recordDriftBytes !== 0 || rec.used_messages !== m.usedMessages));
      if (hasDrift) drifted.push(d);
    }
    // Repair: the recount becomes the record (and a history sample); warnings follow the true figures.
    await recordUsage(
      deps,
      actor,
      measured.map((m): MeasuredUsage => ({ account: m.account, usedBytes: m.usedBytes, usedMessages: m.usedMessages })),
    );
    await reportDrift(deps, actor, drifted, batch);
    result.checked += measured.length;
    result.drifted.push(...drifted);
    if (batch.length < COLLECT_BATCH) break;
  }
  if (result.drifted.length) deps.logger.warn({ drifted: result.drifted.length }, 'quota reconciliation repaired drift');
  return result;
}

async function reportDrift(
  deps: QuotaDeps,
  actor: Actor,
  drifted: AccountDrift[],
  batch: allocations.AccountAllocationRow[],
): Promise<void> {
  if (!drifted.length) return;
  const tenantOf = new Map(batch.map((a) => [a.id, a.tenant_id]));
  const byTenant = new Map<string, AccountDrift[]>();
  for (const d of drifted) {
    const t = tenantOf.get(d.accountId)!;
    byTenant.set(t, [...(byTenant.get(t) ?? []), d]);
  }
  await inTransaction(deps.db, async ({ trx }) => {
    await repo.takeWriteLock(trx);
    for (const [tenantId, accounts] of byTenant) {
      await appendAudit(trx, actor, {
        action: 'quota.reconciled',
        tenantId,
        target: { type: 'tenant', id: tenantId },
        before: {
          accounts: accounts.map((a) => ({
            accountId: a.accountId,
            address: a.address,
            recordedBytes: a.recordedBytes,
            recordedMessages: a.recordedMessages,
            dovecotBytes: a.dovecotBytes,
          })),
        },
        after: {
          accounts: accounts.map((a) => ({
            accountId: a.accountId,
            address: a.address,
            usedBytes: a.recountBytes,
            usedMessages: a.recountMessages,
            recordDriftBytes: a.recordDriftBytes,
            counterDriftBytes: a.counterDriftBytes,
          })),
        },
      });
    }
  });
}
