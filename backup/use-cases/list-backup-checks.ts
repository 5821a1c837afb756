import { z } from 'zod';
import type { Ctx } from '../../platform/context';
import { CHECKS_LIST_MAX } from '../limits';
import { recentChecks } from '../repositories/maintenance';
import { authorizeTenant } from './access';

export const listBackupChecksInput = z.strictObject({
  tenantId: z.uuid(),
  kind: z.enum(['integrity', 'drill']).optional(),
  limit: z.coerce.number().int().min(1).max(CHECKS_LIST_MAX).default(20),
});
export type ListBackupChecksInput = z.input<typeof listBackupChecksInput>;

export interface BackupCheck {
  id: string;
  kind: 'integrity' | 'drill';
  status: 'running' | 'passed' | 'failed';
  startedAt: string;
  finishedAt: string | null;
  /** integrity: checked, bytes, missing, corrupt, problems[]; drill: its figures */
  result: unknown;
  error: string | null;
}

/** The newest integrity checks and restore drills of a tenant, newest first. */
export async function listBackupChecks(ctx: Pick<Ctx, 'db' | 'actor'>, raw: ListBackupChecksInput): Promise<{ items: BackupCheck[] }> {
  const input = listBackupChecksInput.parse(raw);
  await authorizeTenant(ctx, 'backup.read', input.tenantId);
  const rows = await recentChecks(ctx.db, input.tenantId, input.kind, input.limit);
  return {
    items: rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      status: r.status,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      result: r.result ? JSON.parse(r.result) : null,
      error: r.error,
    })),
  };
}
