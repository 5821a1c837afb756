import { z } from 'zod';
import type { Ctx } from '../../platform/context';
import { findRetention } from '../repositories/maintenance';
import { retentionOf, type RetentionPolicy } from './apply-retention';
import { authorizeTenant } from './access';

export const getRetentionInput = z.strictObject({ tenantId: z.uuid() });
export type GetRetentionInput = z.infer<typeof getRetentionInput>;

export interface TenantRetention extends RetentionPolicy {
  tenantId: string;
  /** false: the tenant set nothing and the defaults of backup/limits.ts apply */
  custom: boolean;
  updatedAt: string | null;
}

/** A tenant's retention as it applies: its own settings, or the defaults. */
export async function getRetention(ctx: Pick<Ctx, 'db' | 'actor'>, raw: GetRetentionInput): Promise<TenantRetention> {
  const input = getRetentionInput.parse(raw);
  await authorizeTenant(ctx, 'backup.read', input.tenantId);
  const row = await findRetention(ctx.db, input.tenantId);
  return { tenantId: input.tenantId, ...(await retentionOf(ctx.db, input.tenantId)), custom: !!row, updatedAt: row?.updated_at ?? null };
}
