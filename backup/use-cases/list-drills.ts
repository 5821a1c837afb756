import { z } from 'zod';
import type { Ctx } from '../../platform/context';
import { DRILL_LIST_MAX } from '../limits';
import { lastChecks } from '../repositories/maintenance';
import { authorizeTenant } from './access';
import type { DrillResult } from './run-restore-drill';

export const listDrillsInput = z.strictObject({
  tenantId: z.uuid(),
  limit: z.coerce.number().int().min(1).max(DRILL_LIST_MAX).default(10),
});
export type ListDrillsInput = z.input<typeof listDrillsInput>;

export interface DrillSummary {
  id: string;
  status: 'running' | 'passed' | 'failed';
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
  /** null while it runs */
  result: DrillResult | null;
}

/** The tenant's latest restore drills, newest first, with their recovery point and recovery time. */
export async function listDrills(
  ctx: Pick<Ctx, 'db' | 'actor'>,
  raw: ListDrillsInput,
): Promise<{ tenantId: string; items: DrillSummary[] }> {
  const input = listDrillsInput.parse(raw);
  await authorizeTenant(ctx, 'backup.read', input.tenantId);
  const rows = await lastChecks(ctx.db, input.tenantId, 'drill', input.limit);
  return {
    tenantId: input.tenantId,
    items: rows.map((r) => ({
      id: r.id,
      status: r.status,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      error: r.error,
      result: r.result ? (JSON.parse(r.result) as DrillResult) : null,
    })),
  };
}
