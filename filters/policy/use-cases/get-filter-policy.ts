import { z } from 'zod';
import type { Ctx } from '../../../platform/context';
import { authorizeTenant } from './access';
import { loadPolicy } from './load-policy';
import type { Band, ReleasePolicy } from '../policy';

export const getFilterPolicyInput = z.strictObject({ tenantId: z.uuid() });
export type GetFilterPolicyInput = z.infer<typeof getFilterPolicyInput>;

export interface FilterPolicyView {
  tenantId: string;
  bands: Band[];
  releasePolicy: ReleasePolicy;
  quarantineDays: number;
  allowEntries: number;
  blockEntries: number;
  isDefault: boolean;
  updatedAt: string | null;
}

export async function getFilterPolicy(ctx: Ctx, input: GetFilterPolicyInput): Promise<FilterPolicyView> {
  const { tenantId } = getFilterPolicyInput.parse(input);
  await authorizeTenant(ctx, ctx.db, 'filter.read', tenantId);
  return presentPolicy(await loadPolicy(ctx.db, tenantId));
}

export function presentPolicy(p: Awaited<ReturnType<typeof loadPolicy>>): FilterPolicyView {
  return {
    tenantId: p.tenantId,
    bands: p.bands,
    releasePolicy: p.releasePolicy,
    quarantineDays: p.quarantineDays,
    allowEntries: p.allow.length,
    blockEntries: p.block.length,
    isDefault: p.isDefault,
    updatedAt: p.updatedAt,
  };
}
