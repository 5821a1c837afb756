import { z } from 'zod';
import type { Ctx } from '../../platform/context';
import { NOTIFICATIONS_LIST_MAX } from '../limits';
import { listNotifications } from '../repositories/maintenance';
import { authorizeTenant } from './access';

export const listBackupNotificationsInput = z.strictObject({
  tenantId: z.uuid(),
  limit: z.coerce.number().int().min(1).max(NOTIFICATIONS_LIST_MAX).default(50),
});
export type ListBackupNotificationsInput = z.input<typeof listBackupNotificationsInput>;

export interface BackupNotification {
  id: number;
  event: string;
  checkId: string | null;
  detail: unknown;
  createdAt: string;
}

/** The notifications failed drills and integrity checks raised for a tenant, newest first. */
export async function listBackupNotifications(
  ctx: Pick<Ctx, 'db' | 'actor'>,
  raw: ListBackupNotificationsInput,
): Promise<{ items: BackupNotification[] }> {
  const input = listBackupNotificationsInput.parse(raw);
  await authorizeTenant(ctx, 'backup.read', input.tenantId);
  const rows = await listNotifications(ctx.db, input.tenantId, input.limit);
  return {
    items: rows.map((r) => ({
      id: Number(r.id),
      event: r.event,
      checkId: r.check_id,
      detail: JSON.parse(r.detail),
      createdAt: r.created_at,
    })),
  };
}
