import { systemActor } from '../../../platform/actor';
import { appendAudit } from '../../../platform/audit';
import type { Services } from '../../../platform/context';
import { nowIso } from '../../../platform/db';
import { inTransaction } from '../../../platform/db/transaction';
import { recordEvent } from '../../repositories/messages';
import {
  insertNotification,
  insertSuspension,
  transitionOutbound,
  type HoldReason,
  type OutboundMessageRow,
} from '../repositories/outbound';
import { effectiveLimits } from './sending-limits';

/**
 * Holds a submitted message (over the sending limit, spam by rspamd, a virus): the row moves to held, a
 * notification row is written for the tenant admin and the operators (GET …/outbound/notifications),
 * and the hold is audited, in one transaction. When the tenant asked for it (autoSuspend), the account's
 * sending is suspended too (its next MAIL FROM gets 554 5.7.1) until an admin lifts it.
 */
export async function holdOutbound(
  deps: Pick<Services, 'db' | 'logger' | 'config'>,
  row: OutboundMessageRow,
  hold: { reason: HoldReason; detail: string },
): Promise<void> {
  const limits = await effectiveLimits(deps, row.tenant_id);
  const now = nowIso();
  const suspended = await inTransaction(deps.db, async ({ trx }) => {
    const moved = await transitionOutbound(trx, row.queue_id, ['queued'], {
      status: 'held',
      hold_reason: hold.reason,
      hold_detail: hold.detail,
      updated_at: now,
    });
    if (!moved) return null;
    const detail = { queueId: row.queue_id, account: row.username, reason: hold.reason, detail: hold.detail };
    await insertNotification(trx, {
      tenant_id: row.tenant_id,
      account_id: row.account_id,
      event: 'outbound.held',
      queue_id: row.queue_id,
      detail: JSON.stringify(detail),
      created_at: now,
    });
    await appendAudit(trx, systemActor('outbound.held'), {
      action: 'outbound.held',
      tenantId: row.tenant_id,
      target: { type: 'outbound_message', id: row.queue_id },
      after: detail,
    });
    let suspendedNow = false;
    if (limits.autoSuspend && hold.reason !== 'suspended') {
      suspendedNow = await insertSuspension(trx, {
        account_id: row.account_id,
        tenant_id: row.tenant_id,
        reason: hold.reason,
        queue_id: row.queue_id,
        created_at: now,
      });
      if (suspendedNow) {
        await insertNotification(trx, {
          tenant_id: row.tenant_id,
          account_id: row.account_id,
          event: 'outbound.suspended',
          queue_id: row.queue_id,
          detail: JSON.stringify({ account: row.username, reason: hold.reason }),
          created_at: now,
        });
        await appendAudit(trx, systemActor('outbound.suspended'), {
          action: 'outbound.account.suspended',
          tenantId: row.tenant_id,
          target: { type: 'account', id: row.account_id },
          after: { reason: hold.reason, queueId: row.queue_id },
        });
      }
    }
    await recordEvent(trx, {
      queueId: row.queue_id,
      messageId: row.message_id,
      tenantId: row.tenant_id,
      stage: 'held',
      receivedAt: row.created_at,
      detail: hold,
    });
    return { suspendedNow };
  });
  if (suspended) {
    // the operators' notice: every hold is a warning in the log as well as a notification row
    deps.logger.warn(
      { queueId: row.queue_id, tenantId: row.tenant_id, accountId: row.account_id, reason: hold.reason, suspended: suspended.suspendedNow },
      'outbound message held',
    );
  }
}
