import { z } from 'zod';
import type { Ctx } from '../../platform/context';
import { assertTenantAccess } from '../../platform/actor';
import { appendAudit } from '../../platform/audit';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { AppError, invalid, notFound, conflict } from '../../platform/errors';
import { can } from '../../platform/permissions';
import { LIVE_USAGE_TIMEOUT_MS, DOVEADM_CONCURRENCY, USAGE_FRESH_MS, MAX_BYTES, MAX_CHANGES_PER_REASSIGNMENT } from '../limits';
import { lockPool, formatBytes, PoolState } from '../shared/pool';
import { bytes } from '../shared/schemas';
import { mapSettled, readUsage, withTimeout } from '../shared/dovecot-usage';
import { evaluateWarnings, warningLevel, type RaisedWarning } from '../shared/warnings';
import { queueWebhooks } from './collect-usage';
import { applyAllocationChanges } from '../shared/apply';
import * as allocations from '../../tenancy/repositories/allocations';
import * as repo from '../repositories/usage';

/**
 * A tenant admin redistributes the tenant's pool over its accounts: new allocations for one or many
 * accounts, all or nothing.
 *
 * Refused, with the numbers, when
 * - the pool would be exceeded (`pool_exceeded`: free pool, the increase asked for);
 * - an allocation would fall below the account's current usage (`below_usage`: the usage of each such
 *   account). Operators may force that (`force`, permission quota.force): the account then takes no
 *   new mail (Dovecot refuses APPEND and LMTP over the limit) until it is under its allocation again.
 *
 * Concurrency: the whole check-and-write runs in one transaction that starts with lockPool (see
 * pool.ts): on PostgreSQL a row lock on the tenant queues racing reassignments of the same tenant, so
 * each one reads a sum no one else can change before it commits; on SQLite there is one writer and a
 * stale transaction is retried by inTransaction. Usage is read from Dovecot *before* the transaction
 * (no network call while a lock is held); it only matters for lowered allocations, and usage is not
 * serialised by our lock anyway (mail arrives whenever it arrives).
 *
 * Idempotent: allocations are absolute values, so the same request twice leaves the same state (the
 * second answers `changed: false` and writes no audit entry); the API also honours Idempotency-Key.
 */
export const reassignAllocationsInput = z.strictObject({
  tenantId: z.uuid(),
  changes: z
    .array(z.strictObject({ accountId: z.uuid(), allocationBytes: bytes }))
    .min(1)
    .max(MAX_CHANGES_PER_REASSIGNMENT),
  /** operators only (quota.force): allow allocations below current usage */
  force: z.boolean().optional(),
});
export type ReassignInput = z.infer<typeof reassignAllocationsInput>;

export const ReassignResult = z.object({
  tenantId: z.string(),
  changed: z.boolean(),
  changes: z.array(
    z.object({
      accountId: z.string(),
      address: z.string(),
      beforeBytes: z.number(),
      afterBytes: z.number(),
      usedBytes: z.number().nullable(),
    }),
  ),
  forcedBelowUsage: z.array(z.string()),
  pool: PoolState,
  auditId: z.number().nullable(),
});
export type ReassignResult = z.infer<typeof ReassignResult>;

function validate(input: ReassignInput): void {
  if (!input.changes.length) throw invalid('changes: name at least one account');
  if (input.changes.length > MAX_CHANGES_PER_REASSIGNMENT)
    throw invalid(`changes: at most ${MAX_CHANGES_PER_REASSIGNMENT} accounts per request`);
  const seen = new Set<string>();
  for (const c of input.changes) {
    if (seen.has(c.accountId)) throw invalid(`changes: account ${c.accountId} is named twice`);
    seen.add(c.accountId);
    // No "unlimited": every allocation is a positive number of bytes inside the pool.
    if (!Number.isSafeInteger(c.allocationBytes) || c.allocationBytes < 1 || c.allocationBytes > MAX_BYTES) {
      throw invalid(`changes: allocation of account ${c.accountId} must be a whole number of bytes from 1 to ${MAX_BYTES}`);
    }
  }
}

/**
 * Live usage of the accounts whose allocation goes down and whose recorded figure is older than
 * USAGE_FRESH_MS (collection runs every few minutes, and a migration fills an account faster than
 * that). A Dovecot that does not answer leaves the recorded figure.
 */
async function usageBefore(ctx: Ctx, input: ReassignInput): Promise<{ live: Map<string, number>; recorded: Map<string, repo.UsageRow> }> {
  const ids = input.changes.map((c) => c.accountId);
  const current = await allocations.findAccountAllocations(ctx.db, input.tenantId, ids);
  const recorded = await repo.usageOf(ctx.db, ids);
  const freshSince = new Date(Date.now() - USAGE_FRESH_MS).toISOString();
  const byId = new Map(current.map((a) => [a.id, a]));
  const lowered = input.changes
    .map((c) => ({ change: c, account: byId.get(c.accountId) }))
    .filter((x) => x.account && x.change.allocationBytes < x.account.allocation_bytes)
    .filter((x) => !((recorded.get(x.account!.id)?.collected_at ?? '') >= freshSince));
  const live = new Map<string, number>();
  const settled = await mapSettled(lowered, DOVEADM_CONCURRENCY, (x) =>
    withTimeout(readUsage(ctx.doveadm, x.account!.address), LIVE_USAGE_TIMEOUT_MS, 'quotaGet'),
  );
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled') live.set(lowered[i]!.account!.id, s.value.usedBytes);
    else
      ctx.logger.warn(
        { err: (s.reason as Error).message, accountId: lowered[i]!.account!.id },
        'live usage unavailable; using the recorded figure',
      );
  });
  return { live, recorded };
}

export async function reassignAllocations(ctx: Ctx, input: ReassignInput): Promise<ReassignResult> {
  assertTenantAccess(ctx.actor, input.tenantId, 'tenant', input.tenantId);
  validate(input);
  if (input.force && !can(ctx.actor, 'quota.force'))
    throw new AppError('forbidden', `role ${ctx.actor.role} may not force an allocation below usage (quota.force)`);
  // Usage is read before the transaction: it is not serialised by the pool lock anyway (mail arrives
  // whenever it arrives), and the lock is held for as few statements as possible.
  const { live, recorded } = await usageBefore(ctx, input);

  const { result } = await inTransaction(ctx.db, async ({ trx, afterCommit }) => {
    const pool = await lockPool(trx, input.tenantId);
    const ids = input.changes.map((c) => c.accountId);
    const accounts = new Map((await allocations.findAccountAllocations(trx, input.tenantId, ids)).map((a) => [a.id, a]));
    const missing = ids.filter((id) => !accounts.has(id));
    // Another tenant's account answers like a missing one.
    if (missing.length) throw notFound('account', missing.join(', '));
    const deleting = ids.filter((id) => accounts.get(id)!.status === 'deleting');
    if (deleting.length)
      throw conflict(
        `account ${deleting.map((id) => accounts.get(id)!.address).join(', ')} is being deleted; its allocation is released when it is purged`,
      );

    const delta = input.changes.reduce((s, c) => s + c.allocationBytes - accounts.get(c.accountId)!.allocation_bytes, 0);
    if (pool.allocatedBytes + delta > pool.poolBytes) {
      throw new AppError(
        'pool_exceeded',
        `the tenant's storage pool cannot cover this: it needs ${formatBytes(delta)} more, but only ${formatBytes(Math.max(pool.freeBytes, 0))} of ${formatBytes(pool.poolBytes)} are free`,
        { poolBytes: pool.poolBytes, allocatedBytes: pool.allocatedBytes, freeBytes: pool.freeBytes, requestedIncreaseBytes: delta },
      );
    }

    const usedOf = (id: string): number | null => {
      const l = live.get(id);
      const r = recorded.get(id)?.used_bytes;
      if (l === undefined && r === undefined) return null;
      return Math.max(l ?? 0, r ?? 0);
    };
    const below = input.changes
      .filter((c) => c.allocationBytes < accounts.get(c.accountId)!.allocation_bytes)
      .map((c) => ({ c, used: usedOf(c.accountId) }))
      .filter((x) => x.used !== null && x.c.allocationBytes < x.used);
    if (below.length && !input.force) {
      throw new AppError(
        'below_usage',
        below
          .map(
            (x) =>
              `${accounts.get(x.c.accountId)!.address} uses ${formatBytes(x.used!)} (${x.used} bytes); an allocation of ${formatBytes(x.c.allocationBytes)} would be below its usage`,
          )
          .join('; '),
        below.map((x) => ({
          accountId: x.c.accountId,
          address: accounts.get(x.c.accountId)!.address,
          usedBytes: x.used,
          requestedBytes: x.c.allocationBytes,
        })),
      );
    }

    const now = nowIso();
    const changes = input.changes.map((c) => {
      const a = accounts.get(c.accountId)!;
      return {
        accountId: a.id,
        address: a.address,
        beforeBytes: a.allocation_bytes,
        afterBytes: c.allocationBytes,
        usedBytes: usedOf(a.id),
      };
    });
    const effective = changes.filter((c) => c.beforeBytes !== c.afterBytes);
    const poolAfter: PoolState = { ...pool, allocatedBytes: pool.allocatedBytes + delta, freeBytes: pool.freeBytes - delta };
    const forcedBelowUsage = below.map((x) => accounts.get(x.c.accountId)!.address);
    if (!effective.length) {
      return {
        result: { tenantId: input.tenantId, changed: false, changes, forcedBelowUsage: [], pool: poolAfter, auditId: null },
        raised: [] as RaisedWarning[],
      };
    }
    await allocations.setAllocations(
      trx,
      effective.map((c) => ({ accountId: c.accountId, bytes: c.afterBytes })),
      now,
    );
    const audit = await appendAudit(trx, ctx.actor, {
      action: 'quota.reassigned',
      tenantId: input.tenantId,
      target: { type: 'tenant', id: input.tenantId },
      before: { allocations: Object.fromEntries(effective.map((c) => [c.accountId, c.beforeBytes])), allocatedBytes: pool.allocatedBytes },
      after: {
        allocations: Object.fromEntries(effective.map((c) => [c.accountId, c.afterBytes])),
        allocatedBytes: poolAfter.allocatedBytes,
        ...(forcedBelowUsage.length ? { forcedBelowUsage } : {}),
      },
    });

    // A new allocation moves the usage percentage: warnings are judged against it at once.
    const raised: RaisedWarning[] = [];
    let webhookUrl: string | null | undefined;
    for (const c of effective) {
      const rec = recorded.get(c.accountId);
      if (!rec || warningLevel(c.usedBytes ?? rec.used_bytes, c.afterBytes) === rec.warning_level) continue;
      webhookUrl ??= await repo.webhookUrlOf(trx, input.tenantId);
      raised.push(
        ...(await evaluateWarnings(trx, ctx.actor, {
          tenantId: input.tenantId,
          accountId: c.accountId,
          address: c.address,
          usedBytes: c.usedBytes ?? rec.used_bytes,
          allocationBytes: c.afterBytes,
          currentLevel: rec.warning_level,
          webhookUrl,
        })),
      );
    }
    afterCommit(() =>
      applyAllocationChanges(
        ctx,
        effective.map((c) => c.address),
      ),
    );
    afterCommit(() => queueWebhooks(ctx, raised));
    return { result: { tenantId: input.tenantId, changed: true, changes, forcedBelowUsage, pool: poolAfter, auditId: audit.id }, raised };
  });
  return result;
}
