import { systemActor } from '../../platform/actor';
import { appendAudit } from '../../platform/audit';
import type { Services } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { insertNotification } from '../repositories/maintenance';

/**
 * A failed drill or integrity check: a notification row (listed to operators and tenant admins) and an
 * audit entry in one transaction. (quotas/ delivers webhooks for quota thresholds only; its rows carry
 * quota figures, so backup keeps rows of its own rather than bending those.)
 */
export async function raiseBackupNotification(
  services: Pick<Services, 'db' | 'logger'>,
  n: { tenantId: string; event: 'backup.drill-failed' | 'backup.integrity-failed'; checkId: string; detail: unknown },
): Promise<number> {
  services.logger.warn({ tenantId: n.tenantId, event: n.event, checkId: n.checkId }, 'backup check failed');
  return inTransaction(services.db, async ({ trx }) => {
    const id = await insertNotification(trx, {
      tenant_id: n.tenantId,
      event: n.event,
      check_id: n.checkId,
      detail: JSON.stringify(n.detail),
      created_at: nowIso(),
    });
    await appendAudit(trx, systemActor(n.event), {
      action: n.event,
      tenantId: n.tenantId,
      target: { type: 'backup_check', id: n.checkId },
      after: { notificationId: id, detail: n.detail },
    });
    return id;
  });
}
