import type { Trx } from '../../platform/db';
import type { Actor } from '../../platform/actor';
import { appendAudit } from '../../platform/audit';
import { WARNING_THRESHOLDS } from '../limits';
import * as repo from '../repositories/usage';

/**
 * Usage warnings: crossing 80 %, 95 % and 100 % of an allocation raises one event per crossing.
 *
 * Each account keeps a warning level: the highest threshold it has reached (0 below 80 %). New figures
 * (a collection, an allocation change) give a new level; every threshold between the old level and
 * the new one, going up, raises an event; going down lowers the level silently, so the next crossing
 * upwards raises again. Events are an audit entry plus a notification row (listed for the portal),
 * and a webhook POST when the tenant has configured one (a job queued after commit).
 */
export const WARNING_EVENT = 'quota.warning';

/** The highest threshold reached by `used` of `allocation` (integer arithmetic: no rounding at 95 %). */
export function warningLevel(usedBytes: number, allocationBytes: number): number {
  let level = 0;
  for (const t of WARNING_THRESHOLDS) if (usedBytes * 100 >= t * Math.max(allocationBytes, 1)) level = t;
  return level;
}

/** Thresholds crossed upwards when the level moves from `from` to `to` (none when it falls). */
export function crossedThresholds(from: number, to: number): number[] {
  return WARNING_THRESHOLDS.filter((t) => t > from && t <= to);
}

export interface RaisedWarning {
  notificationId: number;
  tenantId: string;
  accountId: string;
  address: string;
  threshold: number;
  usedBytes: number;
  allocationBytes: number;
  webhook: boolean;
}

/**
 * Evaluates one account's figures inside the caller's transaction: moves its warning level and writes
 * an audit entry and a notification per crossed threshold. Returns what was raised; the caller queues
 * the webhooks after commit.
 */
export async function evaluateWarnings(
  trx: Trx,
  actor: Actor,
  input: {
    tenantId: string;
    accountId: string;
    address: string;
    usedBytes: number;
    allocationBytes: number;
    currentLevel: number;
    webhookUrl: string | null;
  },
): Promise<RaisedWarning[]> {
  const to = warningLevel(input.usedBytes, input.allocationBytes);
  if (to === input.currentLevel) return [];
  // Compare-and-set: when another collection moved the level first, this one raises nothing.
  if (!(await repo.moveWarningLevel(trx, input.accountId, input.currentLevel, to))) return [];
  const raised: RaisedWarning[] = [];
  const now = new Date().toISOString();
  for (const threshold of crossedThresholds(input.currentLevel, to)) {
    const notificationId = await repo.insertNotification(trx, {
      tenant_id: input.tenantId,
      account_id: input.accountId,
      address: input.address,
      event: WARNING_EVENT,
      threshold,
      used_bytes: input.usedBytes,
      allocation_bytes: input.allocationBytes,
      created_at: now,
      webhook_status: input.webhookUrl ? 'pending' : 'none',
    });
    await appendAudit(trx, actor, {
      action: WARNING_EVENT,
      tenantId: input.tenantId,
      target: { type: 'account', id: input.accountId },
      after: { threshold, usedBytes: input.usedBytes, allocationBytes: input.allocationBytes, notificationId },
    });
    raised.push({
      notificationId,
      tenantId: input.tenantId,
      accountId: input.accountId,
      address: input.address,
      threshold,
      usedBytes: input.usedBytes,
      allocationBytes: input.allocationBytes,
      webhook: !!input.webhookUrl,
    });
  }
  return raised;
}
